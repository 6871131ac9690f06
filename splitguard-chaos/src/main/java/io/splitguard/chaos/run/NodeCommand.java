package io.splitguard.chaos.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to start one node JVM. The chaos module cannot depend on the CLI module (the CLI depends on
 * it), so the caller says which java, class path and main class run {@code splitguard node}; the
 * launcher appends {@code node --cluster FILE --id ID --data-dir DIR [--config FILE]
 * --exit-with-parent PID}.
 *
 * @param java the java executable
 * @param jvmArgs options before {@code -cp} (for example {@code -Xmx256m})
 * @param classPath the class path holding the main class and the server
 * @param mainClass the main class, normally {@code io.splitguard.cli.SplitGuardCli}
 * @param nodeArgs extra arguments of the {@code node} command (for example a hidden test-fault
 *     flag that deliberately breaks the node, to show the checkers catch it)
 */
public record NodeCommand(
    String java, List<String> jvmArgs, String classPath, String mainClass, List<String> nodeArgs) {
  /** The main class of {@code bin/splitguard}. */
  public static final String CLI_MAIN_CLASS = "io.splitguard.cli.SplitGuardCli";

  /** Checks the fields and freezes the argument list. */
  public NodeCommand {
    Objects.requireNonNull(java, "java");
    Objects.requireNonNull(classPath, "classPath");
    Objects.requireNonNull(mainClass, "mainClass");
    jvmArgs = List.copyOf(jvmArgs);
    nodeArgs = List.copyOf(nodeArgs);
  }

  /** A node command without extra node arguments. */
  public NodeCommand(String java, List<String> jvmArgs, String classPath, String mainClass) {
    this(java, jvmArgs, classPath, mainClass, List.of());
  }

  /** This command with {@code extra} appended to the node arguments. */
  public NodeCommand withNodeArgs(List<String> extra) {
    List<String> all = new ArrayList<>(nodeArgs);
    all.addAll(extra);
    return new NodeCommand(java, jvmArgs, classPath, mainClass, all);
  }

  /**
   * The java running this process, {@code -Xmx256m}, and the given class path and main class: what
   * a caller that has the node on its own class path wants.
   */
  public static NodeCommand sameJvm(String classPath, String mainClass) {
    return new NodeCommand(currentJava(), List.of("-Xmx256m"), classPath, mainClass);
  }

  /** The java executable of this process, or {@code java} from the PATH if unknown. */
  public static String currentJava() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /**
   * The full command line for one node.
   *
   * @param clusterFile the cluster file
   * @param id the node id
   * @param dataDir its data directory
   * @param settingsFile the node settings file, or {@code null} for defaults
   * @param parentPid the pid the node exits with (so a killed harness leaves no node behind)
   */
  public List<String> argv(Path clusterFile, String id, Path dataDir, Path settingsFile, long parentPid) {
    List<String> argv = new ArrayList<>();
    argv.add(java);
    argv.addAll(jvmArgs);
    argv.add("-cp");
    argv.add(classPath);
    argv.add(mainClass);
    argv.addAll(List.of("node", "--cluster", clusterFile.toString(), "--id", id,
        "--data-dir", dataDir.toString()));
    if (settingsFile != null) {
      argv.add("--config");
      argv.add(settingsFile.toString());
    }
    argv.add("--exit-with-parent");
    argv.add(Long.toString(parentPid));
    argv.addAll(nodeArgs);
    return argv;
  }
}
