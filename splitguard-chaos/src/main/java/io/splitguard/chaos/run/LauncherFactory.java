package io.splitguard.chaos.run;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Creates the launcher of a run. {@link #standard()} picks {@link LoopbackLauncher} or {@link
 * NetnsLauncher} by mode; tests and integration suites can pass their own.
 */
@FunctionalInterface
public interface LauncherFactory {

  /** A launcher (not yet started) for {@code config}, keeping its files under {@code runDir}. */
  ClusterLauncher create(ChaosConfig config, Path runDir) throws IOException;

  /** Loopback or netns launcher by {@link ChaosConfig#mode()}. */
  static LauncherFactory standard() {
    return (config, runDir) -> switch (config.mode()) {
      case LOOPBACK -> new LoopbackLauncher(runDir, config.nodes(), config.nodeCommand(), config.nodeSettingsYaml());
      case NETNS -> new NetnsLauncher(runDir, config.nodes(), config.nodeCommand(), config.nodeSettingsYaml(),
          config.progress());
    };
  }
}
