package io.splitguard.chaos.run;

/**
 * What a reply means for the history. The rule that matters: {@code fail} only when the operation
 * certainly did not take effect; anything that may have reached the state machine is {@code info}.
 * A read that did not return has no effect, so it is always {@code ok} or {@code fail}.
 */
public final class Outcomes {
  private Outcomes() {}

  /**
   * The classified reply.
   *
   * @param type ok, fail or info
   * @param error the problem code, HTTP status or exception for a non-ok reply, else {@code null}
   */
  public record Outcome(OpType type, String error) {}

  /**
   * Classifies a reply to a read ({@code write == false}) or a write or cas ({@code write == true}).
   *
   * <ul>
   *   <li>200 → ok; 404 {@code NOT_FOUND} on a read → ok (the key does not exist);
   *   <li>503 {@code PARTITIONED} / {@code NOT_LEADER}: refused before submission → fail;
   *   <li>409 (CONFLICT, FENCED), 400 and other 4xx except 408: a definite refusal → fail;
   *   <li>504 TIMEOUT, other 5xx (also a 503 without one of those codes), 408, anything else, and
   *       no response at all → info for writes, fail for reads.
   * </ul>
   */
  public static Outcome classify(boolean write, NodeApi.Reply reply) {
    if (reply instanceof NodeApi.Reply.NoResponse none) {
      return new Outcome(write ? OpType.INFO : OpType.FAIL, none.error());
    }
    NodeApi.Reply.Response r = (NodeApi.Reply.Response) reply;
    int status = r.status();
    String code = r.problemCode();
    String error = code != null ? code : "HTTP " + status;
    if (status == 200 || (!write && status == 404 && "NOT_FOUND".equals(code))) {
      return new Outcome(OpType.OK, null);
    }
    if (status == 503 && ("PARTITIONED".equals(code) || "NOT_LEADER".equals(code))) {
      return new Outcome(OpType.FAIL, code);
    }
    if (status >= 400 && status < 500 && status != 408) {
      return new Outcome(OpType.FAIL, error);
    }
    return new Outcome(write ? OpType.INFO : OpType.FAIL, error);
  }
}
