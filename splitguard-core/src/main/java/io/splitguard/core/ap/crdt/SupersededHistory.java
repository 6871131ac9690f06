package io.splitguard.core.ap.crdt;

import io.splitguard.core.ap.clock.Stamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The bounded history of one key's superseded values, and the watermark that keeps its
 * de-duplication exact after old entries drop out.
 *
 * <p>Entries are kept in {@link StampOrder}, at most a configured number, newest kept. When an
 * entry drops out, the watermark rises to its stamp. A value is <em>known</em> if its stamp is at
 * or below the watermark or it is held: every value ever admitted is known for good, so an old
 * loser merged again (anti-entropy repeats itself) is never admitted, hence never audited, twice.
 * The price is on the other side: a value never seen before whose stamp is at or below the
 * watermark is treated as known. It is older than everything this history let go of, so it is
 * not shown here; the node that dropped it first (the first to merge it, or its writer) audited
 * it.
 *
 * <p>Immutable. Pure: the bound is an argument, nothing here reads a clock.
 *
 * @param entries the values held, strictly increasing in {@link StampOrder}, all above the
 *     watermark
 * @param watermark the highest stamp that dropped out, if any did
 */
public record SupersededHistory(List<Superseded> entries, Optional<Stamp> watermark) {
  private static final SupersededHistory EMPTY = new SupersededHistory(List.of(), Optional.empty());

  /** Validates and copies the fields. */
  public SupersededHistory {
    entries = List.copyOf(entries);
    Objects.requireNonNull(watermark, "watermark");
    for (int i = 0; i < entries.size(); i++) {
      Stamp s = entries.get(i).clock();
      if (i > 0 && StampOrder.compare(entries.get(i - 1).clock(), s) >= 0) {
        throw new IllegalArgumentException("history entries out of stamp order at " + i);
      }
      if (watermark.isPresent() && StampOrder.compare(s, watermark.get()) <= 0) {
        throw new IllegalArgumentException("history entry " + i + " at or below the watermark");
      }
    }
  }

  /** The history of a key that never superseded anything. */
  public static SupersededHistory empty() {
    return EMPTY;
  }

  /** Whether the value stamped {@code clock} was admitted before (or is older than the watermark). */
  public boolean knows(Stamp clock) {
    return (watermark.isPresent() && StampOrder.compare(clock, watermark.get()) <= 0) || indexOf(clock) >= 0;
  }

  /**
   * The result of {@link #admit}.
   *
   * @param history the history after it
   * @param fresh whether the value was new (then it must be audited)
   */
  public record Admission(SupersededHistory history, boolean fresh) {}

  /**
   * This history with {@code value} added unless it is {@linkplain #knows known}, then cut to the
   * newest {@code maxEntries} (raising the watermark to the newest stamp cut). A new value older
   * than every held one may be cut at once: it is still fresh (audit it), and known from then on.
   *
   * @throws IllegalArgumentException if {@code maxEntries} is below 1
   */
  public Admission admit(Superseded value, int maxEntries) {
    if (knows(value.clock())) {
      return new Admission(this, false);
    }
    int at = -indexOf(value.clock()) - 1;
    List<Superseded> next = new ArrayList<>(entries.size() + 1);
    next.addAll(entries.subList(0, at));
    next.add(value);
    next.addAll(entries.subList(at, entries.size()));
    return new Admission(bounded(next, watermark, maxEntries), true);
  }

  /**
   * As {@link #admit}, for a value this node held in its own state until a local write or delete
   * replaced it. Such a value was never superseded on this node before, so it is fresh (audit it)
   * even at or below the watermark: for registers with siblings the stamp order (vector clocks,
   * ordered by their sum) can place a sibling still held below a watermark set by a concurrent
   * value that dropped out, and {@link #admit} would then take it for known and let it go
   * unaudited everywhere. The history itself ends exactly as {@link #admit} leaves it (a value
   * below the watermark is not kept), so replicas and the durable view, which use {@link #admit},
   * hold equal histories.
   *
   * @throws IllegalArgumentException if {@code maxEntries} is below 1
   */
  public Admission admitReplaced(Superseded value, int maxEntries) {
    if (indexOf(value.clock()) >= 0) {
      return new Admission(this, false);
    }
    if (watermark.isPresent() && StampOrder.compare(value.clock(), watermark.get()) <= 0) {
      if (maxEntries < 1) {
        throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
      }
      return new Admission(this, true);
    }
    return admit(value, maxEntries);
  }

  /** This history cut to the newest {@code maxEntries}. */
  public SupersededHistory bound(int maxEntries) {
    return entries.size() <= maxEntries ? this : bounded(new ArrayList<>(entries), watermark, maxEntries);
  }

  private static SupersededHistory bounded(List<Superseded> entries, Optional<Stamp> watermark, int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
    }
    if (entries.size() <= maxEntries) {
      return new SupersededHistory(entries, watermark);
    }
    List<Superseded> cut = entries.subList(0, entries.size() - maxEntries);
    Stamp mark = cut.get(cut.size() - 1).clock();
    return new SupersededHistory(entries.subList(entries.size() - maxEntries, entries.size()), Optional.of(mark));
  }

  /** Binary search by stamp: the index, or {@code -(insertion point) - 1}. */
  private int indexOf(Stamp clock) {
    int lo = 0;
    int hi = entries.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = StampOrder.compare(entries.get(mid).clock(), clock);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -lo - 1;
  }
}
