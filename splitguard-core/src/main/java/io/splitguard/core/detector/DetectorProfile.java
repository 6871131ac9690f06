package io.splitguard.core.detector;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Named sets of {@link DetectorSettings}, so an operator picks a trade-off by name instead of
 * tuning four numbers. The detection bounds below are {@link DetectorSettings#detectionBound()}:
 * the silence after which a peer with regular heartbeats is suspected.
 *
 * <table>
 *   <caption>Profiles</caption>
 *   <tr><th>name</th><th>threshold</th><th>min std dev</th><th>acceptable pause</th>
 *       <th>detection bound</th><th>for</th></tr>
 *   <tr><td>{@code lan}</td><td>8</td><td>100 ms</td><td>500 ms</td><td>about 1.1 s</td>
 *       <td>the default: servers on one network</td></tr>
 *   <tr><td>{@code strict}</td><td>5</td><td>50 ms</td><td>200 ms</td><td>about 0.5 s</td>
 *       <td>fast failover where pauses are known to be short</td></tr>
 *   <tr><td>{@code dev}</td><td>12</td><td>200 ms</td><td>3 s</td><td>about 4.4 s</td>
 *       <td>laptops and CI runners that stall for seconds</td></tr>
 * </table>
 *
 * <p>All three send heartbeats every 100 ms and keep 1000 samples.
 */
public enum DetectorProfile {
  /** {@link DetectorSettings#lan()}. */
  LAN("lan", DetectorSettings.lan()),
  /** {@link DetectorSettings#strict()}. */
  STRICT("strict", DetectorSettings.strict()),
  /** {@link DetectorSettings#dev()}. */
  DEV("dev", DetectorSettings.dev());

  private final String profileName;
  private final DetectorSettings settings;

  DetectorProfile(String profileName, DetectorSettings settings) {
    this.profileName = profileName;
    this.settings = settings;
  }

  /** The name used in configuration files and on the command line, in lower case. */
  public String profileName() {
    return profileName;
  }

  /** The settings of this profile (an immutable record). */
  public DetectorSettings settings() {
    return settings;
  }

  /**
   * The profile called {@code name}, ignoring case and surrounding blanks.
   *
   * @throws IllegalArgumentException naming the allowed values if there is no such profile
   */
  public static DetectorProfile parse(String name) {
    Objects.requireNonNull(name, "detector profile name");
    String wanted = name.strip().toLowerCase(Locale.ROOT);
    for (DetectorProfile profile : values()) {
      if (profile.profileName.equals(wanted)) {
        return profile;
      }
    }
    throw new IllegalArgumentException(
        "unknown detector profile '" + name + "': use one of " + allowedNames());
  }

  /** The allowed names, comma separated, for error and help messages. */
  public static String allowedNames() {
    return Arrays.stream(values()).map(DetectorProfile::profileName)
        .collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return profileName;
  }
}
