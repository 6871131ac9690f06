package io.splitguard.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.core.cluster.NodeId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's append-only audit log: one JSON object per line, fsynced before {@link #record}
 * returns, each carrying the SHA-256 of the previous line ({@code prevHash}) so that a removed or
 * edited line breaks the chain ({@link #verify}).
 *
 * <p>Records partitions, fencing, pauses and fence-command outcomes. Every record is also logged
 * through SLF4J. Thread-safe.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The {@code prevHash} of the first record. */
  public static final String GENESIS = "0".repeat(64);

  private final NodeId self;
  private final FileChannel channel;
  private final LongSupplier wallClockMs;
  private String lastHash;
  private long seq;

  private AuditLog(NodeId self, FileChannel channel, LongSupplier wallClockMs, String lastHash, long seq) {
    this.self = self;
    this.channel = channel;
    this.wallClockMs = wallClockMs;
    this.lastHash = lastHash;
    this.seq = seq;
  }

  /**
   * Opens (or creates) the audit log at {@code file} and continues its chain.
   *
   * @throws IOException if the file cannot be opened, or its chain is broken (a tampered audit
   *     log must not silently continue)
   */
  public static AuditLog open(NodeId self, Path file, LongSupplier wallClockMs) throws IOException {
    Verification v = Files.exists(file) ? verify(file) : new Verification(true, 0, GENESIS, "");
    if (!v.intact()) {
      throw new IOException("audit log " + file + " is broken: " + v.problem());
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    return new AuditLog(self, channel, wallClockMs, v.lastHash(), v.records());
  }

  /**
   * Appends one record and fsyncs it. Failing to audit is logged, not thrown: the fencing that
   * triggered the record must go on.
   *
   * @param event a stable snake_case name
   * @param fields event details (values: strings, numbers, booleans or lists of them)
   */
  public synchronized void record(String event, Map<String, ?> fields) {
    ObjectNode line = JSON.createObjectNode();
    line.put("seq", seq + 1);
    line.put("timeMs", wallClockMs.getAsLong());
    line.put("node", self.value());
    line.put("event", event);
    fields.forEach((k, v) -> line.set(k, JSON.valueToTree(v)));
    line.put("prevHash", lastHash);
    String text = line.toString();
    try {
      ByteBuffer buffer = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(false);
      lastHash = sha256(text);
      seq++;
    } catch (IOException e) {
      LOG.error("event=audit_write_failed node={} audit_event={} error={}", self, event, e.toString());
    }
    LOG.info("event=audit node={} audit_event={} {}", self, event, fields);
  }

  /** The result of {@link #verify}. */
  public record Verification(boolean intact, long records, String lastHash, String problem) {}

  /** Reads {@code file} and checks every line's {@code prevHash} and sequence number. */
  public static Verification verify(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    String prev = GENESIS;
    long n = 0;
    for (String text : lines) {
      if (text.isEmpty()) {
        continue;
      }
      JsonNode node;
      try {
        node = JSON.readTree(text);
      } catch (IOException e) {
        return new Verification(false, n, prev, "line " + (n + 1) + " is not JSON");
      }
      if (!prev.equals(node.path("prevHash").asText()) || node.path("seq").asLong() != n + 1) {
        return new Verification(false, n, prev, "line " + (n + 1) + " does not follow line " + n);
      }
      prev = sha256(text);
      n++;
    }
    return new Verification(true, n, prev, "");
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JVM", e);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
