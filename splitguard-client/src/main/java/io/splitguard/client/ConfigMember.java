package io.splitguard.client;

/**
 * A member of the consensus configuration, as {@code GET /v1/members} reports it.
 *
 * @param id the node id
 * @param role {@code VOTER} or {@code LISTENER} (a non-voting learner)
 * @param address the node's HTTP address, or empty if unknown
 * @param reachable whether the answering node's failure detector reaches it
 */
public record ConfigMember(String id, String role, String address, boolean reachable) {}
