package io.splitguard.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Every integration test needs a cluster of node JVMs that is always torn down, also when the
 * test fails: a node left behind keeps its ports, its CPU and its files, and spoils the tests
 * that run after it. This hands a test a factory of {@link LocalCluster}s in a temporary
 * directory of its own; when the test ends, JUnit closes the factory, which kills every cluster
 * it created and then deletes the directory.
 *
 * <p>Register {@link Resolver} with {@code @ExtendWith(LocalClusters.Resolver.class)} and take a
 * {@code LocalClusters} parameter. On a test method (or a {@code @BeforeEach}/{@code @AfterEach}
 * method) the factory lives as long as that test; on a {@code @BeforeAll} method, as long as the
 * test class.
 */
final class LocalClusters implements AutoCloseable {
  private final Path dir;
  private final List<LocalCluster> created = new ArrayList<>();

  private LocalClusters(Path dir) {
    this.dir = dir;
  }

  /** The temporary directory, for the test's own files; each cluster has a subdirectory of it. */
  Path dir() {
    return dir;
  }

  /**
   * A new cluster of {@code size} nodes with {@code settingsYaml} (or none) as every node's
   * configuration. No node is started: some tests start only some of them, or with other
   * arguments.
   */
  LocalCluster create(int size, String settingsYaml) throws IOException {
    // A directory per cluster: each writes its own cluster.yaml and node directories.
    Path clusterDir = Files.createDirectory(dir.resolve("cluster-" + (created.size() + 1)));
    LocalCluster cluster = new LocalCluster(clusterDir, size, settingsYaml);
    created.add(cluster);
    return cluster;
  }

  @Override
  public void close() throws Exception {
    Exception failure = null;
    // Every cluster is closed even if one fails to, and before the directory goes: a running
    // node would still be writing into it.
    for (LocalCluster cluster : created) {
      try {
        cluster.close();
      } catch (Exception e) {
        failure = addTo(failure, e);
      }
    }
    try {
      delete(dir);
    } catch (IOException e) {
      failure = addTo(failure, e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static Exception addTo(Exception failure, Exception e) {
    if (failure == null) {
      return e;
    }
    failure.addSuppressed(e);
    return failure;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      // Deepest first, so that every directory is empty when its turn comes.
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * Resolves {@code LocalClusters} parameters. The factory goes into the store of the context the
   * parameter is resolved in, so JUnit closes it when that test or class ends, after its
   * {@code @AfterEach} or {@code @AfterAll} methods and whatever the outcome.
   */
  static final class Resolver implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
        ExtensionContext.Namespace.create(LocalClusters.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == LocalClusters.class;
    }

    @Override
    public LocalClusters resolveParameter(ParameterContext parameter, ExtensionContext context) {
      // Found again once there, so that a @BeforeEach, the test and an @AfterEach share one.
      return context.getStore(NAMESPACE).computeIfAbsent(LocalClusters.class, key -> open(), LocalClusters.class);
    }

    private static LocalClusters open() {
      try {
        return new LocalClusters(Files.createTempDirectory("splitguard-it-"));
      } catch (IOException e) {
        throw new ParameterResolutionException("cannot create a temporary directory for the clusters", e);
      }
    }
  }
}
