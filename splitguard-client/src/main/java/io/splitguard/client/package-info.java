/**
 * Java client for the SplitGuard HTTP API (v1).
 *
 * <p>The entry point is {@link io.splitguard.client.SplitGuardClient}: a thread-safe, blocking
 * client over {@code java.net.http.HttpClient} that spreads requests over the configured nodes
 * and retries only where a retry cannot change what the cluster did. Answers are immutable
 * records ({@link io.splitguard.client.KvEntry}, {@link io.splitguard.client.Status}); every
 * failure is an unchecked {@link io.splitguard.client.SplitGuardException} whose subclass tells
 * the caller what it may assume about its request, above all whether a write may have applied
 * ({@link io.splitguard.client.OutcomeUnknownException}) or certainly did not
 * ({@link io.splitguard.client.UnavailableException}).
 *
 * <p>Time and randomness are ports ({@link io.splitguard.client.Ticker},
 * {@link io.splitguard.client.Sleeper}, a {@link java.util.random.RandomGenerator}) so that retry
 * behaviour can be tested deterministically without real sleeping.
 *
 * <p>Nullability: parameters and return values are never {@code null} unless their documentation
 * says so; optional values are {@link java.util.Optional}.
 */
package io.splitguard.client;
