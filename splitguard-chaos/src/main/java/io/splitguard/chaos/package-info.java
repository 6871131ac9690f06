/**
 * The partition test harness: runs a real cluster under faults ({@code run}), records what
 * clients saw as a history ({@code history}), and checks it ({@code check}).
 */
package io.splitguard.chaos;
