package io.splitguard.chaos.history;

/** Short, human-readable renderings shared by the {@code toString}s of this package. */
final class Describe {
  private Describe() {}

  /** A string as a JSON-ish literal, null as {@code null}; long values are shortened. */
  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    String shown = s.length() > 40 ? s.substring(0, 37) + "..." : s;
    return '"' + shown.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }
}
