package io.splitguard.chaos.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A human-readable log file (the nemesis log), flushed per line; never fails the run. */
final class TextLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TextLog.class);
  private final BufferedWriter out;

  TextLog(Path file) throws IOException {
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
  }

  synchronized void line(String text) {
    try {
      out.write(text);
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      LOG.warn("event=log_write_failed error={}", e.toString());
    }
  }

  /** A line prefixed with the run time, {@code +12.345s ...}. */
  void at(long nanos, String text) {
    line(String.format(Locale.ROOT, "+%.3fs %s", nanos / 1e9, text));
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
