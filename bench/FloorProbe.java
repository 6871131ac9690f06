import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * The physical floor of a replicated write on this machine: the latency of appending 4 KiB to a
 * file and forcing it to disk (what a Raft log append with fsync costs at least), and of a
 * loopback TCP round trip (what each hop between client, follower and leader costs at least).
 *
 * <p>Run with the JDK's source launcher, no build needed:
 * {@code java bench/FloorProbe.java [DIR] [N]} (DIR: a directory on the disk the nodes use,
 * default the current directory; N: samples, default 500).
 */
public final class FloorProbe {
  private FloorProbe() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : ".");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    long[] fsync = fsync(dir, n);
    long[] rtt = roundTrip(n * 10);
    System.out.println(line("4 KiB append + fsync (FileChannel.force)", fsync));
    System.out.println(line("loopback TCP round trip (1 byte, NODELAY)", rtt));
  }

  private static long[] fsync(Path dir, int n) throws IOException {
    Path file = Files.createTempFile(dir, "floor-probe", ".log");
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer block = ByteBuffer.allocateDirect(4096);
      long[] t = new long[n];
      for (int i = -20; i < n; i++) { // the first appends warm up the JIT and the file's extents
        block.clear();
        long start = System.nanoTime();
        ch.write(block);
        // force(false): data only, like a log that preallocates (Ratis) or fdatasync (etcd).
        ch.force(false);
        if (i >= 0) {
          t[i] = System.nanoTime() - start;
        }
      }
      return t;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static long[] roundTrip(int n) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread echo = new Thread(() -> {
        try (Socket s = server.accept()) {
          s.setTcpNoDelay(true);
          InputStream in = s.getInputStream();
          OutputStream out = s.getOutputStream();
          for (int b = in.read(); b >= 0; b = in.read()) {
            out.write(b);
          }
        } catch (IOException e) {
          // the client closed
        }
      });
      echo.setDaemon(true);
      echo.start();
      try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
        c.setTcpNoDelay(true);
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        long[] t = new long[n];
        for (int i = -1000; i < n; i++) {
          long start = System.nanoTime();
          out.write(1);
          in.read();
          if (i >= 0) {
            t[i] = System.nanoTime() - start;
          }
        }
        return t;
      }
    }
  }

  private static String line(String what, long[] t) {
    long[] s = t.clone();
    Arrays.sort(s);
    return String.format(Locale.ROOT, "%-45s n=%d  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms",
        what, s.length, ms(s, 0.50), ms(s, 0.90), ms(s, 0.99), s[s.length - 1] / 1e6);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
  }
}
