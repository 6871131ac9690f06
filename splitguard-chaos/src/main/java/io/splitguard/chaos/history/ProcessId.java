package io.splitguard.chaos.history;

/**
 * Who produced an event: a client process (an integer id; a process has at most one outstanding
 * operation) or the nemesis.
 */
public sealed interface ProcessId permits ProcessId.Client, ProcessId.Nemesis {

  /** The nemesis, the single source of fault-injection events. */
  Nemesis NEMESIS = new Nemesis();

  /** A client process. */
  static Client client(int id) {
    return new Client(id);
  }

  /**
   * A client process.
   *
   * @param id the {@code process} field
   */
  record Client(int id) implements ProcessId {
    @Override
    public String toString() {
      return "p" + id;
    }
  }

  /** The nemesis ({@code "process": "nemesis"}). */
  record Nemesis() implements ProcessId {
    @Override
    public String toString() {
      return "nemesis";
    }
  }
}
