package io.splitguard.server.http;

/** The in-memory registry of the HTTP tests, for tests in other packages. */
public final class HttpApiTestRegistry extends HttpApiTest.FakeRegistry {
  /** An empty registry. */
  public HttpApiTestRegistry() {}
}
