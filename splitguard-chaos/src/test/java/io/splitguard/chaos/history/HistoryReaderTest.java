package io.splitguard.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing history lines: the format as specified, and errors that name the line and field. */
class HistoryReaderTest {

  @Test
  void parsesEveryShapeOfClientEvent() throws IOException {
    List<HistoryEvent> events = HistoryReader.read(new StringReader("""
        {"process": 3, "type": "invoke", "f": "write", "key": "k1", "value": "v1", "time": 10}
        {"process": 3, "type": "ok", "f": "write", "key": "k1", "value": "v1", "time": 20, "node": "n2", "revision": 17}
        {"process": 4, "type": "invoke", "f": "cas", "key": "k1", "value": ["v1", null], "time": 30}
        {"process": 5, "type": "invoke", "f": "read", "key": "k1", "value": null, "time": 31}
        {"process": 5, "type": "ok", "f": "read", "key": "k1", "time": 32}
        {"process": 4, "type": "fail", "f": "cas", "key": "k1", "value": ["v1", null], "time": 40, "error": "CONFLICT"}
        """));
    assertThat(events).hasSize(6);
    assertThat(events.get(0)).isEqualTo(new ClientEvent(3, EventType.INVOKE, Fn.WRITE, "k1", Value.of("v1"), 10));
    ClientEvent ok = (ClientEvent) events.get(1);
    assertThat(ok.extra()).containsExactly(java.util.Map.entry("node", "n2"), java.util.Map.entry("revision", "17"));
    assertThat(ok.process()).isEqualTo(ProcessId.client(3));
    assertThat(((ClientEvent) events.get(2)).value()).isEqualTo(Value.cas("v1", null));
    assertThat(((ClientEvent) events.get(4)).value()).isEqualTo(Value.MISSING);
    assertThat(events.get(5).type()).isEqualTo(EventType.FAIL);
  }

  @Test
  void parsesNemesisEventsWithFreeFormValues() {
    HistoryEvent text = HistoryReader.parseEvent(
        "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start\",\"value\":\"isolate-leader n2\",\"time\":5}", 1);
    assertThat(text).isEqualTo(new NemesisEvent(EventType.INFO, "start", "isolate-leader n2", 5));
    assertThat(text.process()).isEqualTo(ProcessId.NEMESIS);
    NemesisEvent structured = (NemesisEvent) HistoryReader.parseEvent(
        "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"partition\",\"value\":{\"a\":[\"n1\"],\"b\":[\"n2\",\"n3\"]},\"time\":6}", 1);
    assertThat(structured.value()).isEqualTo("{\"a\":[\"n1\"],\"b\":[\"n2\",\"n3\"]}");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      not JSON                  | {"process": 1, "type":                                                           | line 4: not valid JSON
      not an object             | [1, 2]                                                                           | line 4: expected a JSON object
      missing process           | {"type":"ok","f":"read","key":"k","time":1}                                      | line 4, field "process": missing
      process of wrong type     | {"process":"p1","type":"ok","f":"read","key":"k","time":1}                       | line 4, field "process": must be an integer or "nemesis"
      unknown type              | {"process":1,"type":"done","f":"read","key":"k","time":1}                        | line 4, field "type": expected "invoke", "ok", "fail" or "info", got "done"
      unknown f                 | {"process":1,"type":"ok","f":"delete","key":"k","time":1}                        | line 4, field "f": expected "read", "write", "cas", "acquire", "release", "guarded-write" or "guarded-read", got "delete"
      missing key               | {"process":1,"type":"ok","f":"read","time":1}                                    | line 4, field "key": must be a string
      time not a number         | {"process":1,"type":"ok","f":"read","key":"k","time":"1"}                        | line 4, field "time": must be an integer
      time fractional           | {"process":1,"type":"ok","f":"read","key":"k","time":1.5}                        | line 4, field "time": must be an integer
      missing time              | {"process":1,"type":"ok","f":"read","key":"k"}                                   | line 4, field "time": missing
      value of wrong shape      | {"process":1,"type":"invoke","f":"cas","key":"k","value":["a"],"time":1}         | line 4, field "value": must be a string, null or [expected, new]
      numeric value             | {"process":1,"type":"invoke","f":"write","key":"k","value":7,"time":1}           | line 4, field "value": must be a string, null or [expected, new]
      fractional token          | {"process":1,"type":"ok","f":"acquire","key":"l","token":1.5,"time":1}           | line 4, field "token": must be an integer
      nemesis without f         | {"process":"nemesis","type":"info","time":1}                                     | line 4, field "f": a nemesis event needs a string f
      """)
  void malformedLineNamesLineAndField(String what, String line, String message) {
    // Three good lines and a blank one first, so the reported number is the file's line number.
    String file = """
        {"process":0,"type":"invoke","f":"write","key":"k","value":"a","time":0}

        {"process":0,"type":"ok","f":"write","key":"k","value":"a","time":1}
        """ + line + "\n";
    assertThatThrownBy(() -> HistoryReader.read(new StringReader(file)))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageStartingWith(message)
        .satisfies(e -> assertThat(((HistoryFormatException) e).line()).isEqualTo(4));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      completion without invoke | {"process":7,"type":"ok","f":"read","key":"k","value":null,"time":5}           | line 3, field "process": process 7 completes (ok) read k without an outstanding invoke
      second outstanding invoke | {"process":0,"type":"invoke","f":"read","key":"k","value":null,"time":5}       | line 3, field "process": process 0 invokes read k while its write k is still outstanding
      completion with other f   | {"process":0,"type":"ok","f":"read","key":"k","value":null,"time":5}           | line 3, field "f": completion of process 0 says read but its invoke was write
      completion with other key | {"process":0,"type":"ok","f":"write","key":"k2","value":"a","time":5}          | line 3, field "key": completion of process 0 says key k2 but its invoke was on k
      completion before invoke  | {"process":0,"type":"ok","f":"write","key":"k","value":"a","time":-1}          | line 3, field "time": completion at -1 is earlier than its invoke at 0
      write without a string    | {"process":1,"type":"invoke","f":"write","key":"k","value":null,"time":5}      | line 3, field "value": a write invoke needs the string written
      cas without a pair        | {"process":1,"type":"invoke","f":"cas","key":"k","value":"a","time":5}         | line 3, field "value": a cas invoke needs [expected, new]
      guarded-write no token    | {"process":1,"type":"invoke","f":"guarded-write","key":"r","value":"a","time":5} | line 3, field "token": a guarded-write invoke needs the token it presents
      release without token     | {"process":1,"type":"invoke","f":"release","key":"l","value":null,"time":5}    | line 3, field "token": a release invoke needs the token it presents
      acquire ok without token  | {"process":1,"type":"invoke","f":"acquire","key":"l","value":"o","time":5}\\n{"process":1,"type":"ok","f":"acquire","key":"l","value":"o","time":6} | line 4, field "token": an ok acquire needs the token granted
      guarded-read no token     | {"process":1,"type":"invoke","f":"guarded-read","key":"r","time":5}\\n{"process":1,"type":"ok","f":"guarded-read","key":"r","value":"x","time":6} | line 4, field "token": an ok guarded-read of a value needs the token that wrote it
      read ok with a pair       | {"process":0,"type":"ok","f":"write","key":"k","value":"a","time":4}\\n{"process":0,"type":"invoke","f":"read","key":"k","time":5}\\n{"process":0,"type":"ok","f":"read","key":"k","value":["a","b"],"time":6} | line 5, field "value": a read's ok value must be a string or null
      """)
  void pairingErrorsNameTheLine(String what, String lines, String message, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("h.jsonl");
    Files.writeString(file, "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k\",\"value\":\"a\",\"time\":0}\n\n"
        + lines.replace("\\n", "\n") + "\n");
    assertThatThrownBy(() -> HistoryReader.readHistory(file))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void guardedWritesParseAndMalformedOnesNameTheField(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("g.jsonl");
    Files.writeString(file, """
        {"resource":"r1","token":42,"value":"x","time":100,"process":3}
        {"resource":"r1","token":43,"value":null,"time":200,"process":4,"invokeTime":150,"node":"n1"}
        """);
    assertThat(HistoryReader.readGuarded(file)).containsExactly(
        new GuardedWrite("r1", 42, "x", 100, java.util.OptionalInt.of(3), java.util.OptionalLong.empty()),
        GuardedWrite.of("r1", 43, null, 4, 150, 200));
    assertThatThrownBy(() -> HistoryReader.parseGuarded("{\"resource\":\"r1\",\"token\":\"42\",\"time\":1}", 9))
        .hasMessageStartingWith("line 9, field \"token\": must be an integer");
    assertThatThrownBy(() -> HistoryReader.parseGuarded("{\"token\":42,\"time\":1}", 2))
        .hasMessageStartingWith("line 2, field \"resource\": must be a string");
    assertThatThrownBy(() -> HistoryReader.parseGuarded("{\"resource\":\"r\",\"token\":1,\"time\":1,\"invokeTime\":5}", 3))
        .hasMessageStartingWith("line 3, field \"invokeTime\": 5 is after the acknowledgement time 1");
  }
}
