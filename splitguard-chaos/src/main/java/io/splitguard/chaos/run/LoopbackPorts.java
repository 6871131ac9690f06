package io.splitguard.chaos.run;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Free ports on 127.0.0.1 for the processes a launcher starts. */
public final class LoopbackPorts {
  private LoopbackPorts() {}

  /**
   * Ports free for TCP on 127.0.0.1 right now, and for UDP too (a node's heartbeats use its API
   * port number). All are held until all are chosen so that none is handed out twice.
   */
  public static List<Integer> free(int count) throws IOException {
    List<AutoCloseable> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      InetAddress loopback = InetAddress.getByName("127.0.0.1");
      while (ports.size() < count) {
        ServerSocket s = new ServerSocket(0, 50, loopback);
        held.add(s);
        int port = s.getLocalPort();
        try {
          DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port));
          held.add(udp);
          ports.add(port);
        } catch (IOException e) {
          // UDP twin taken: skip this port (the held TCP socket keeps it from coming back)
        }
      }
      return ports;
    } finally {
      for (AutoCloseable c : held) {
        try {
          c.close();
        } catch (Exception e) {
          // closing a probe socket cannot fail in a way that matters
        }
      }
    }
  }
}
