package io.splitguard.chaos.run;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** A "cluster" that is only a list of API addresses, for workload tests against scripted nodes. */
final class UrlCluster implements ClusterLauncher {
  private final List<URI> urls;

  UrlCluster(List<URI> urls) {
    this.urls = List.copyOf(urls);
  }

  @Override
  public LaunchMode mode() {
    return LaunchMode.LOOPBACK;
  }

  @Override
  public int size() {
    return urls.size();
  }

  @Override
  public URI apiUrl(int index) {
    return urls.get(index);
  }

  @Override
  public Path logFile(int index) {
    return Path.of("n" + (index + 1) + ".log");
  }

  @Override
  public void startAll() {}

  @Override
  public void start(int index) {}

  @Override
  public void stop(int index) {}

  @Override
  public void kill(int index) {}

  @Override
  public void pause(int index) {}

  @Override
  public void resume(int index) {}

  @Override
  public boolean isRunning(int index) {
    return true;
  }

  @Override
  public boolean isPaused(int index) {
    return false;
  }

  @Override
  public boolean supportsNetworkFaults() {
    return false;
  }

  @Override
  public void cut(Set<Link> links) {
    throw new UnsupportedOperationException();
  }

  @Override
  public String slow(NetworkShaping shaping) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void healNetwork() {}

  @Override
  public List<String> notes() {
    return List.of();
  }

  @Override
  public void close() {}
}
