package io.splitguard.cli;

import io.splitguard.client.SplitGuardClient;
import io.splitguard.server.config.SettingsFile;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options every command that talks to a running cluster shares: where the cluster is, how
 * long to wait, and whether to print JSON. A picocli mixin, so each command declares them with
 * one {@code @Mixin} line and they mean the same everywhere.
 *
 * <p>Values are kept as text and checked when a command runs, not by picocli converters, so that a
 * bad value is reported as {@code --option: what is wrong, got 'value'} (picocli would prefix its
 * own wording); the {@link ParameterException} thrown still makes picocli print the usage and exit
 * with {@link SplitGuardCli#EXIT_USAGE}.
 */
final class ClusterOptions {

  /** The API endpoints of the cluster that {@code bin/splitguard dev} starts. */
  static final String DEFAULT_ENDPOINTS =
      "http://127.0.0.1:8101,http://127.0.0.1:8102,http://127.0.0.1:8103";

  /** The environment variable that overrides {@link #DEFAULT_ENDPOINTS}. */
  static final String ENDPOINTS_ENV = "SPLITGUARD_ENDPOINTS";

  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(
      names = "--endpoints",
      paramLabel = "URL[,URL...]",
      defaultValue = "${env:" + ENDPOINTS_ENV + ":-" + DEFAULT_ENDPOINTS + "}",
      description = {
        "API endpoints of the cluster's nodes, comma-separated; host:port means http://host:port.",
        "Default: ${DEFAULT-VALUE} (from $" + ENDPOINTS_ENV + " if set, else the dev cluster)."
      })
  String endpoints;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "Overall deadline of a request, retries included, like 250ms, 2s or 1m "
          + "(default ${DEFAULT-VALUE}).")
  String timeout;

  @Option(
      names = "--json",
      description = "Machine-readable output: one JSON document on stdout.")
  boolean json;

  /** Whether {@code --json} was given. */
  boolean json() {
    return json;
  }

  /**
   * The endpoints, normalised to {@code http(s)://host:port} URIs in the given order.
   *
   * @throws ParameterException if the list is empty or an entry is not an http(s) address
   */
  List<URI> endpoints() {
    String source = matched("--endpoints") ? "--endpoints" : "--endpoints (from $" + ENDPOINTS_ENV + ")";
    if (endpoints == null || endpoints.isBlank()) {
      throw usage(source + ": no endpoint given");
    }
    Set<URI> result = new LinkedHashSet<>();
    for (String raw : endpoints.split(",")) {
      String text = raw.strip();
      if (text.isEmpty()) {
        continue;
      }
      URI uri = parseEndpoint(text, source);
      if (!result.add(uri)) {
        throw usage(source + ": endpoint listed twice, got '" + text + "'");
      }
    }
    if (result.isEmpty()) {
      throw usage(source + ": no endpoint given");
    }
    return List.copyOf(result);
  }

  private URI parseEndpoint(String text, String source) {
    // A bare host:port is the common case when copying addresses from the status output.
    String withScheme = text.contains("://") ? text : "http://" + text;
    URI uri;
    try {
      uri = new URI(withScheme);
    } catch (URISyntaxException e) {
      throw usage(source + ": not a URL like http://host:port, got '" + text + "'");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw usage(source + ": must be an http or https URL, got '" + text + "'");
    }
    if (uri.getHost() == null) {
      throw usage(source + ": no host in '" + text + "'");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw usage(source + ": must not have a query or fragment, got '" + text + "'");
    }
    String s = uri.toString();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return URI.create(s);
  }

  /**
   * The {@code --timeout} value.
   *
   * @throws ParameterException if it is not a positive duration
   */
  Duration timeout() {
    return positiveDuration("--timeout", timeout);
  }

  /**
   * A client for {@link #endpoints()} whose calls give up after {@link #timeout()}.
   *
   * @throws ParameterException if an option value is bad
   */
  SplitGuardClient newClient() {
    List<URI> uris = endpoints();
    Duration deadline = timeout();
    SplitGuardClient.Builder b = SplitGuardClient.builder().endpoints(uris).deadline(deadline);
    // A short --timeout must bound each attempt too, or one slow node would use it all up; and
    // the connect timeout must stay below the request timeout so that a dead node counts as
    // "not delivered" (retryable) rather than "outcome unknown".
    if (deadline.compareTo(SplitGuardClient.DEFAULT_REQUEST_TIMEOUT) < 0) {
      b.requestTimeout(deadline);
    }
    Duration connect = deadline.dividedBy(2);
    if (connect.compareTo(SplitGuardClient.DEFAULT_CONNECT_TIMEOUT) < 0 && !connect.isZero()) {
      b.connectTimeout(connect);
    }
    return b.build();
  }

  /**
   * Parses a duration option such as {@code 250ms}, {@code 2s} or {@code 1m}.
   *
   * @throws ParameterException naming {@code option} if the text is not a positive duration
   */
  Duration positiveDuration(String option, String text) {
    Duration d = duration(option, text);
    if (d.isZero()) {
      throw usage(option + ": must be longer than 0, got '" + text + "'");
    }
    return d;
  }

  /**
   * Parses a duration option that may be zero.
   *
   * @throws ParameterException naming {@code option} if the text is not a duration
   */
  Duration duration(String option, String text) {
    try {
      return SettingsFile.parseDuration(text);
    } catch (IllegalArgumentException e) {
      throw usage(option + ": must be a duration like 250ms, 2s or 1m, got '" + text + "'");
    }
  }

  /** A usage error of the command this mixin belongs to (exit code 2, usage printed). */
  ParameterException usage(String message) {
    return new ParameterException(mixee.commandLine(), message);
  }

  private boolean matched(String option) {
    var parseResult = mixee.commandLine().getParseResult();
    return parseResult != null && parseResult.hasMatchedOption(option);
  }
}
