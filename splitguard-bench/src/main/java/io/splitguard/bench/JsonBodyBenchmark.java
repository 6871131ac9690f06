package io.splitguard.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parsing a {@code PUT /v1/kv/{key}} body the way the HTTP API does (the server's request body
 * class is internal to the server module): a Jackson tree with duplicate-field detection, then
 * the {@code value} field; and writing the answer document. Measures the JSON cost per request
 * in isolation from Jetty and Raft.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonBodyBenchmark {

  private final ObjectMapper json =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private byte[] body;

  /** A 100-byte value, the bench default. */
  @Setup
  public void setUp() {
    body = ("{\"value\":\"" + "abcdefghij".repeat(10) + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  @Benchmark
  public String parsePutBody() throws IOException {
    JsonNode tree = json.readTree(body);
    return tree.get("value").textValue();
  }

  @Benchmark
  public byte[] writeAnswer() throws IOException {
    var o = json.createObjectNode();
    o.put("key", "bench-417");
    o.put("value", "abcdefghij".repeat(10));
    o.put("revision", 123_456L);
    o.put("createRevision", 17L);
    o.put("version", 9L);
    return json.writeValueAsBytes(o);
  }
}
