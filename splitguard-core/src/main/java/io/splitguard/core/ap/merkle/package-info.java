/**
 * Merkle digests over key ranges for anti-entropy: two replicas compare roots, descend only into
 * differing subtrees, and then exchange only the keys of the differing ranges.
 */
package io.splitguard.core.ap.merkle;
