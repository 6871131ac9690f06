package io.splitguard.server.election;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.core.cluster.ClusterMember;
import io.splitguard.core.cluster.NodeId;
import io.splitguard.core.election.LeaderContact;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A node's leader contact on the wire: {@code GET /v1/internal/raft/leader-contact} answers it as
 * JSON ({@link #encode}), and {@link #ask} asks a peer for it. The answer names no leader when the
 * node is not a follower that has heard one.
 */
public final class HttpLeaderContacts implements PromptElectionTrigger.Peers {
  /** The path of the endpoint. */
  public static final String PATH = "/v1/internal/raft/leader-contact";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http;
  private final Function<NodeId, Optional<ClusterMember>> members;

  /** Asks peers found through {@code members} (their API addresses). */
  public HttpLeaderContacts(Function<NodeId, Optional<ClusterMember>> members) {
    this.members = members;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(PromptElectionTrigger.ASK_TIMEOUT).build();
  }

  @Override
  public CompletableFuture<Optional<LeaderContact>> ask(NodeId peer) {
    Optional<ClusterMember> member = members.apply(peer);
    if (member.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + member.get().api() + PATH))
        .timeout(PromptElectionTrigger.ASK_TIMEOUT).GET().build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(r -> r.statusCode() == 200 ? decode(r.body()) : Optional.<LeaderContact>empty());
  }

  /** The JSON answer for {@code contact}. */
  public static ObjectNode encode(Optional<LeaderContact> contact) {
    ObjectNode body = JSON.createObjectNode();
    if (contact.isEmpty()) {
      body.putNull("leaderId");
      return body;
    }
    LeaderContact c = contact.get();
    body.put("leaderId", c.leader().value());
    body.put("term", c.term());
    body.put("silenceMs", c.silenceMs());
    body.put("lastLogTerm", c.lastLogTerm());
    body.put("lastLogIndex", c.lastLogIndex());
    return body;
  }

  /** Reads an answer; anything malformed counts as no contact (never as agreement). */
  public static Optional<LeaderContact> decode(byte[] body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || !n.isObject() || !n.path("leaderId").isTextual()) {
        return Optional.empty();
      }
      for (String field : new String[] {"term", "silenceMs", "lastLogTerm", "lastLogIndex"}) {
        if (!n.path(field).isIntegralNumber()) {
          return Optional.empty();
        }
      }
      return Optional.of(new LeaderContact(NodeId.of(n.get("leaderId").asText()), n.get("term").asLong(),
          n.get("silenceMs").asLong(), n.get("lastLogTerm").asLong(), n.get("lastLogIndex").asLong()));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
