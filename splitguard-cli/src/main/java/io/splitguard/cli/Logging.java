package io.splitguard.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;

/** Routes java.util.logging (used by Ratis' shaded gRPC and Netty) into SLF4J. */
final class Logging {
  private Logging() {}

  static void install() {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }
}
