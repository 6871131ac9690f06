package io.splitguard.cli;

import static io.splitguard.cli.FakeNode.json;
import static io.splitguard.cli.FakeNode.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code splitguard keyspace} against a scripted node. */
class KeyspaceCommandsTest {
  private FakeNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void declareSendsTheDeclarationAndPrintsTheKeyspace() throws IOException {
    node = new FakeNode().then(json(201,
        "{\"name\":\"presence\",\"mode\":\"AP\",\"merge\":\"CRDT\",\"declaredRevision\":4}"));

    Cli.Result r = Cli.run("keyspace", "declare", "presence", "--mode", "AP", "--merge", "CRDT",
        "--endpoints", node.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("presence  AP CRDT  declared at revision 4");
    assertThat(node.requests()).singleElement().satisfies(q -> {
      assertThat(q.method()).isEqualTo("PUT");
      assertThat(q.path()).isEqualTo("/v1/keyspaces/presence");
    });
  }

  @Test
  void aConflictingDeclarationFailsWithExitOne() throws IOException {
    node = new FakeNode().then(problem(409, "CONFLICT", "keyspace 'presence' is declared as AP with merge CRDT"));

    Cli.Result r = Cli.run("keyspace", "declare", "presence", "--mode", "CP", "--endpoints", node.url());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("declared as AP");
  }

  @Test
  void listPrintsATable() throws IOException {
    node = new FakeNode().then(json(200, "{\"keyspaces\":[{\"name\":\"default\",\"mode\":\"CP\",\"merge\":null,"
        + "\"declaredRevision\":0},{\"name\":\"drift\",\"mode\":\"AP\",\"merge\":\"MANUAL\",\"graceMs\":1000,"
        + "\"declaredRevision\":7}],\"appliedIndex\":9}"));

    Cli.Result r = Cli.run("keyspace", "list", "--endpoints", node.url());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("NAME").contains("default").contains("drift").contains("MANUAL").contains("1000");
  }

  @Test
  void showOfAnUnknownKeyspaceFails() throws IOException {
    node = new FakeNode().then(problem(404, "NOT_FOUND", "keyspace 'x' is not declared"));

    Cli.Result r = Cli.run("keyspace", "show", "x", "--endpoints", node.url());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("NOT_FOUND");
  }
}
