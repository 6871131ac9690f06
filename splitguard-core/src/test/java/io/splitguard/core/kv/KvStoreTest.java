package io.splitguard.core.kv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** DESIGN section 4: revision semantics follow etcd's global revision and mod_revision. */
class KvStoreTest {
  private final KvStore store = new KvStore();

  @Test
  void everyChangeAdvancesTheGlobalRevisionByOne() {
    assertThat(store.revision()).isZero();
    KvResult.Written a = (KvResult.Written) store.apply(KvCommand.Put.of("a", "1"));
    KvResult.Written b = (KvResult.Written) store.apply(KvCommand.Put.of("b", "1"));
    KvResult.Written a2 = (KvResult.Written) store.apply(KvCommand.Put.of("a", "2"));
    assertThat(a.revision()).isEqualTo(1);
    assertThat(b.revision()).isEqualTo(2);
    assertThat(a2.entry()).isEqualTo(new KvEntry("a", "2", 1, 3, 2));
    KvResult.Deleted d = (KvResult.Deleted) store.apply(KvCommand.Delete.of("b"));
    assertThat(d.revision()).isEqualTo(4);
    assertThat(d.previous().modRevision()).isEqualTo(2);
    assertThat(store.get("b")).isEmpty();
    assertThat(store.revision()).isEqualTo(4);
  }

  @Test
  void recreatingADeletedKeyStartsANewCreateRevisionAndVersion() {
    store.apply(KvCommand.Put.of("k", "1"));
    store.apply(KvCommand.Delete.of("k"));
    KvResult.Written again = (KvResult.Written) store.apply(KvCommand.Put.of("k", "2"));
    assertThat(again.entry()).isEqualTo(new KvEntry("k", "2", 3, 3, 1));
  }

  @Test
  void compareAndSetComparesTheModRevisionAndZeroMeansAbsent() {
    assertThat(store.apply(new KvCommand.Put("k", "v", 0))).isInstanceOf(KvResult.Written.class);
    assertThat(store.apply(new KvCommand.Put("k", "v", 0)))
        .isEqualTo(new KvResult.PreconditionFailed("k", 1, 1));
    assertThat(store.apply(new KvCommand.Put("k", "w", 7)))
        .isEqualTo(new KvResult.PreconditionFailed("k", 1, 1));
    assertThat(store.apply(new KvCommand.Put("k", "w", 1))).isInstanceOf(KvResult.Written.class);
    assertThat(store.apply(new KvCommand.Delete("k", 1)))
        .isEqualTo(new KvResult.PreconditionFailed("k", 2, 2));
    assertThat(store.apply(new KvCommand.Delete("k", 2))).isInstanceOf(KvResult.Deleted.class);
    assertThat(store.apply(new KvCommand.Delete("k", 2)))
        .isEqualTo(new KvResult.PreconditionFailed("k", 0, 3));
    assertThat(store.revision()).isEqualTo(3);
  }

  @Test
  void deletingAMissingKeyChangesNothing() {
    store.apply(KvCommand.Put.of("a", "1"));
    assertThat(store.apply(KvCommand.Delete.of("zzz"))).isEqualTo(new KvResult.NotFound("zzz", 1));
    assertThat(store.revision()).isEqualTo(1);
  }
}
