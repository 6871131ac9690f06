package io.splitguard.core.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Property tests: the store against a naive oracle, and the codecs round-tripping. QuickTheories
 * prints the falsifying input and its seed when a property fails; set {@code -DQT_SEED=...} to
 * replay it.
 */
class KvStorePropertiesTest {

  /** An operation drawn from small key and value spaces so that collisions and CAS hits happen. */
  private static final Gen<KvCommand> COMMANDS =
      integers().between(0, 99).zip(integers().between(0, 4), integers().between(-1, 12),
          (kind, key, expected) -> {
            String k = "k" + key;
            long exp = expected < 0 ? KvCommand.NO_EXPECTATION : expected;
            return kind < 70
                ? (KvCommand) new KvCommand.Put(k, "v" + kind, exp)
                : new KvCommand.Delete(k, exp);
          });

  @Test
  void storeMatchesANaiveOracle() {
    qt().withExamples(300).forAll(lists().of(COMMANDS).ofSizeBetween(0, 60)).checkAssert(commands -> {
      KvStore store = new KvStore();
      Oracle oracle = new Oracle();
      for (KvCommand c : commands) {
        KvResult actual = store.apply(c);
        KvResult expected = oracle.apply(c);
        assertThat(actual).as("after %s", c).isEqualTo(expected);
      }
      assertThat(store.entries()).isEqualTo(oracle.entries);
    });
  }

  @Test
  void snapshotsAndMessagesRoundTrip() {
    qt().withExamples(200).forAll(lists().of(COMMANDS).ofSizeBetween(0, 60)).checkAssert(commands -> {
      KvStore store = new KvStore();
      for (KvCommand c : commands) {
        assertThat(KvCodec.decodeCommand(KvCodec.encodeCommand(c))).isEqualTo(c);
        KvResult r = store.apply(c);
        assertThat(KvCodec.decodeResult(KvCodec.encodeResult(r))).isEqualTo(r);
      }
      KvStore restored = roundTrip(store);
      assertThat(restored.entries()).isEqualTo(store.entries());
      assertThat(restored.revision()).isEqualTo(store.revision());
    });
  }

  private static KvStore roundTrip(KvStore store) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      KvCodec.writeSnapshot(store, out);
      return KvCodec.readSnapshot(new ByteArrayInputStream(out.toByteArray()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The obvious implementation of the revision rules, written independently. */
  private static final class Oracle {
    final Map<String, KvEntry> entries = new HashMap<>();
    long revision;
    final List<KvCommand> log = new ArrayList<>();

    KvResult apply(KvCommand c) {
      log.add(c);
      KvEntry cur = entries.get(c.key());
      long actual = cur == null ? 0 : cur.modRevision();
      if (c.expectedModRevision() >= 0 && c.expectedModRevision() != actual) {
        return new KvResult.PreconditionFailed(c.key(), actual, revision);
      }
      if (c instanceof KvCommand.Put p) {
        revision++;
        KvEntry e = new KvEntry(p.key(), p.value(),
            cur == null ? revision : cur.createRevision(), revision, cur == null ? 1 : cur.version() + 1);
        entries.put(p.key(), e);
        return new KvResult.Written(e, revision);
      }
      if (cur == null) {
        return new KvResult.NotFound(c.key(), revision);
      }
      revision++;
      entries.remove(c.key());
      return new KvResult.Deleted(cur, revision);
    }
  }
}
