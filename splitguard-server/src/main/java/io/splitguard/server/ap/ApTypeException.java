package io.splitguard.server.ap;

/** A key was used as a type it does not hold (a counter written as a set, for example). */
public final class ApTypeException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String actual;

  /** @param key the key, @param actual the type it holds, @param wanted the type asked for */
  public ApTypeException(ApKey key, String actual, String wanted) {
    super("key '" + key.key() + "' in keyspace '" + key.keyspace() + "' holds a " + actual + ", not a " + wanted);
    this.actual = actual;
  }

  /** The type the key holds. */
  public String actual() {
    return actual;
  }
}
