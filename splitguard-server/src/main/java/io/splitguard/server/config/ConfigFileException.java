package io.splitguard.server.config;

/** A configuration file could not be used; the message names the file and the field. */
public final class ConfigFileException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** @param message names the file and field, and says what is wrong */
  public ConfigFileException(String message) {
    super(message);
  }
}
