package io.splitguard.chaos.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An in-process stand-in for a cluster: N HTTP servers on 127.0.0.1 sharing one linearizable
 * register store (revisions as in the real API), locks with leases on this JVM's clock whose tokens
 * are the global revision, and guarded resources that refuse older tokens (unless {@link
 * #ignoreFencing()} breaks them). Pause holds requests until resume (and then
 * applies them, like a SIGSTOPped node that wakes up); kill drops connections until start. It
 * records every launcher call, so tests can see what the nemesis did.
 */
class FakeCluster implements ClusterLauncher {
  private final ObjectMapper json = new ObjectMapper();
  private final Path runDir;
  private final List<HttpServer> servers = new ArrayList<>();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final boolean[] paused;
  private final boolean[] killed;
  private final CountDownLatch[] gates;
  private final Map<String, String[]> store = new HashMap<>(); // key -> {value, revision}
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final Map<String, long[]> leases = new HashMap<>(); // lock -> {token, expiresAtMillis}
  private final Map<String, Object[]> guarded = new HashMap<>(); // resource -> {value, token}
  private long revision;
  private volatile boolean fencing = true;
  private volatile long splitBrainSuspicions;
  private volatile boolean closed;

  /** Makes node 0 report split-brain suspicions in its status, as a node whose fencing came too late. */
  void reportSplitBrain(long count) {
    splitBrainSuspicions = count;
  }

  FakeCluster(Path runDir, int size) throws IOException {
    this.runDir = runDir;
    this.paused = new boolean[size];
    this.killed = new boolean[size];
    this.gates = new CountDownLatch[size];
    for (int i = 0; i < size; i++) {
      gates[i] = new CountDownLatch(0);
      int index = i;
      HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      s.createContext("/", ex -> handle(index, ex));
      s.setExecutor(executor);
      servers.add(s);
    }
  }

  /** Breaks the guarded resources: from now on they accept any token (split brain at the resource). */
  void ignoreFencing() {
    fencing = false;
  }

  List<String> calls() {
    return List.copyOf(calls);
  }

  @Override
  public LaunchMode mode() {
    return LaunchMode.LOOPBACK;
  }

  @Override
  public int size() {
    return servers.size();
  }

  @Override
  public URI apiUrl(int index) {
    return URI.create("http://127.0.0.1:" + servers.get(index).getAddress().getPort());
  }

  @Override
  public Path logFile(int index) {
    return runDir.resolve(nodeId(index) + ".log");
  }

  @Override
  public void startAll() {
    calls.add("startAll");
    servers.forEach(HttpServer::start);
  }

  @Override
  public synchronized void start(int index) {
    calls.add("start " + index);
    killed[index] = false;
  }

  @Override
  public synchronized void stop(int index) {
    kill(index);
  }

  @Override
  public synchronized void kill(int index) {
    calls.add("kill " + index);
    killed[index] = true;
    resumeGate(index);
  }

  @Override
  public synchronized void pause(int index) {
    calls.add("pause " + index);
    if (!paused[index]) {
      paused[index] = true;
      gates[index] = new CountDownLatch(1);
    }
  }

  @Override
  public synchronized void resume(int index) {
    calls.add("resume " + index);
    resumeGate(index);
  }

  private void resumeGate(int index) {
    paused[index] = false;
    gates[index].countDown();
  }

  @Override
  public synchronized boolean isRunning(int index) {
    return !killed[index];
  }

  @Override
  public synchronized boolean isPaused(int index) {
    return paused[index];
  }

  @Override
  public boolean supportsNetworkFaults() {
    return false;
  }

  @Override
  public void cut(Set<Link> links) {
    throw new UnsupportedOperationException("fake");
  }

  @Override
  public String slow(NetworkShaping shaping) {
    throw new UnsupportedOperationException("fake");
  }

  @Override
  public void healNetwork() {
    calls.add("healNetwork");
  }

  @Override
  public List<String> notes() {
    return List.of();
  }

  @Override
  public void close() {
    calls.add("close");
    closed = true;
    for (CountDownLatch g : gates) {
      g.countDown();
    }
    servers.forEach(s -> s.stop(0));
    executor.shutdownNow();
  }

  private int leader() {
    synchronized (this) {
      for (int i = 0; i < size(); i++) {
        if (!killed[i] && !paused[i]) {
          return i;
        }
      }
      return 0;
    }
  }

  private void handle(int index, HttpExchange ex) throws IOException {
    CountDownLatch gate;
    synchronized (this) {
      gate = gates[index];
    }
    try {
      gate.await(60, TimeUnit.SECONDS); // a paused node answers only when resumed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      if (killed[index] || closed) {
        ex.close(); // connection dropped, no answer
        return;
      }
    }
    String path = ex.getRequestURI().getPath();
    if (path.equals("/v1/status")) {
      int leader = leader();
      send(ex, 200, "{\"nodeId\":\"" + nodeId(index) + "\",\"role\":\"" + (leader == index ? "LEADER" : "FOLLOWER")
          + "\",\"leaderId\":\"" + nodeId(leader) + "\",\"term\":1,\"quorum\":true,\"fencings\":1,"
          + "\"splitBrainSuspicions\":" + (index == 0 ? splitBrainSuspicions : 0) + "}");
      return;
    }
    if (path.startsWith("/v1/locks/")) {
      lock(ex, path.substring("/v1/locks/".length()));
      return;
    }
    if (path.startsWith("/v1/guarded/")) {
      guarded(ex, path.substring("/v1/guarded/".length()));
      return;
    }
    String key = path.substring("/v1/kv/".length());
    if (ex.getRequestMethod().equals("GET")) {
      String[] entry;
      synchronized (store) {
        entry = store.get(key);
      }
      if (entry == null) {
        send(ex, 404, "{\"code\":\"NOT_FOUND\"}");
      } else {
        send(ex, 200, json.createObjectNode().put("key", key).put("value", entry[0])
            .put("revision", Long.parseLong(entry[1])).toString());
      }
      return;
    }
    JsonNode body = json.readTree(ex.getRequestBody());
    String ifMatch = ex.getRequestHeaders().getFirst("If-Match");
    String response;
    synchronized (store) {
      String[] entry = store.get(key);
      long current = entry == null ? 0 : Long.parseLong(entry[1]);
      if (ifMatch != null && Long.parseLong(ifMatch) != current) {
        response = null;
      } else {
        revision++;
        store.put(key, new String[] {body.get("value").asText(), Long.toString(revision)});
        response = json.createObjectNode().put("key", key).put("value", body.get("value").asText())
            .put("revision", revision).toString();
      }
    }
    if (response == null) {
      send(ex, 409, "{\"code\":\"CONFLICT\"}");
    } else {
      send(ex, 200, response);
    }
  }

  private void lock(HttpExchange ex, String name) throws IOException {
    JsonNode body = json.readTree(ex.getRequestBody());
    long now = System.currentTimeMillis();
    int status;
    String response;
    synchronized (store) {
      long[] lease = leases.get(name);
      boolean live = lease != null && lease[1] > now;
      if (ex.getRequestMethod().equals("POST")) {
        if (live) {
          status = 409;
          response = "{\"code\":\"CONFLICT\"}";
        } else {
          revision++;
          leases.put(name, new long[] {revision, now + body.get("ttlMs").asLong()});
          status = 200;
          response = json.createObjectNode().put("name", name).put("token", revision).toString();
        }
      } else if (live && lease[0] == body.get("token").asLong()) {
        revision++;
        leases.remove(name);
        status = 200;
        response = "{}";
      } else {
        status = 409;
        response = "{\"code\":\"FENCED\"}";
      }
    }
    send(ex, status, response);
  }

  private void guarded(HttpExchange ex, String resource) throws IOException {
    int status;
    String response;
    if (ex.getRequestMethod().equals("GET")) {
      synchronized (store) {
        Object[] entry = guarded.get(resource);
        status = entry == null ? 404 : 200;
        response = entry == null ? "{\"code\":\"NOT_FOUND\"}"
            : json.createObjectNode().put("value", (String) entry[0]).put("token", (Long) entry[1]).toString();
      }
      send(ex, status, response);
      return;
    }
    JsonNode body = json.readTree(ex.getRequestBody());
    long token = body.get("token").asLong();
    synchronized (store) {
      Object[] entry = guarded.get(resource);
      if (fencing && entry != null && (Long) entry[1] > token) {
        status = 409;
        response = "{\"code\":\"FENCED\"}";
      } else {
        revision++;
        guarded.put(resource, new Object[] {body.get("value").asText(), token});
        status = 200;
        response = json.createObjectNode().put("resource", resource).put("token", token).toString();
      }
    }
    send(ex, status, response);
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
