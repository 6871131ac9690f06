package io.splitguard.server.ap;

import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.NodeId;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The node's {@link ApChannel}: each request is an HTTP {@code POST} of the protocol body to the
 * peer's {@code /v1/internal/ap/<operation>}, with a per-request timeout. Any answer but 200 fails
 * the call with the peer's status and message.
 */
public final class HttpApChannel implements ApChannel {
  private final Map<NodeId, URI> peers = new ConcurrentHashMap<>();
  private final HttpClient http;
  private final Duration requestTimeout;

  /** A channel to {@code peers}' API addresses. */
  public HttpApChannel(List<ClusterMember> peers, Duration requestTimeout) {
    for (ClusterMember m : peers) {
      this.peers.put(m.id(), URI.create("http://" + m.api()));
    }
    this.requestTimeout = requestTimeout;
    // HTTP/1.1, as the node's other clients: no h2c upgrade attempt on each new connection.
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(requestTimeout).build();
  }

  @Override
  public void addPeer(ClusterMember member) {
    peers.putIfAbsent(member.id(), URI.create("http://" + member.api()));
  }

  @Override
  public CompletableFuture<byte[]> call(NodeId peer, ApProtocol.Operation operation, byte[] request) {
    URI base = peers.get(peer);
    if (base == null) {
      return CompletableFuture.failedFuture(new IOException("unknown peer " + peer));
    }
    HttpRequest r = HttpRequest.newBuilder(base.resolve(operation.path()))
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request))
        .build();
    // The request timeout covers the answer; orTimeout also bounds a call that never completes, so
    // one stuck exchange cannot hold the replicator's round (it waits for each call in turn).
    return http.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray())
        .orTimeout(2 * requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(answer -> {
          if (answer.statusCode() != 200) {
            throw new CompletionException(new IOException(peer + " answered "
                + answer.statusCode() + ": " + new String(answer.body(), StandardCharsets.UTF_8)));
          }
          return answer.body();
        });
  }
}
