package io.splitguard.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitguard.core.ap.clock.Hlc;
import io.splitguard.core.ap.clock.Stamp;
import io.splitguard.core.ap.clock.VectorClock;
import io.splitguard.core.ap.crdt.LwwRegister;
import io.splitguard.core.ap.crdt.ManualRegister;
import io.splitguard.core.ap.crdt.Mergeable;
import io.splitguard.core.ap.crdt.MvRegister;
import io.splitguard.core.ap.crdt.OrSet;
import io.splitguard.core.ap.crdt.PnCounter;
import io.splitguard.core.ap.crdt.Sibling;
import io.splitguard.core.ap.crdt.Superseded;
import java.util.List;

/** JSON renderings of AP values and superseded values (see {@code docs/api.md}). */
final class ApJson {
  private final ObjectMapper json;

  ApJson(ObjectMapper json) {
    this.json = json;
  }

  ObjectNode value(String keyspace, Mergeable<?> v) {
    ObjectNode body = json.createObjectNode();
    body.put("keyspace", keyspace);
    if (v instanceof PnCounter c) {
      body.put("name", c.key());
      body.put("type", "counter");
      body.put("value", c.value());
      ObjectNode nodes = body.putObject("nodes");
      c.totals().forEach((node, t) -> nodes.putObject(node.value())
          .put("increments", t.increments()).put("decrements", t.decrements()));
    } else if (v instanceof OrSet s) {
      body.put("name", s.key());
      body.put("type", "set");
      ArrayNode elements = body.putArray("elements");
      s.elements().forEach(elements::add);
    } else if (v instanceof LwwRegister l) {
      body.put("key", l.key());
      body.put("type", "lww");
      body.put("value", l.value());
      body.set("clock", clock(l.stamp()));
      body.put("node", l.stamp().node().value());
    } else if (v instanceof MvRegister m) {
      body.put("key", m.key());
      body.put("type", "mv");
      siblings(body, m.siblings(), m.context());
    } else {
      ManualRegister m = (ManualRegister) v;
      body.put("key", m.key());
      body.put("type", "manual");
      siblings(body, m.siblings(), m.context());
    }
    return body;
  }

  private void siblings(ObjectNode body, List<Sibling> siblings, VectorClock context) {
    body.put("conflict", siblings.size() > 1);
    if (siblings.size() == 1) {
      body.put("value", siblings.get(0).value());
    } else {
      body.putNull("value");
    }
    ArrayNode list = body.putArray("siblings");
    for (Sibling s : siblings) {
      ObjectNode n = list.addObject();
      n.put("value", s.value());
      n.put("node", s.dot().node().value());
      n.put("dot", s.dot().counter());
      n.set("context", clock(s.causalContext()));
    }
    body.set("context", clock(context));
  }

  ObjectNode clock(Stamp stamp) {
    ObjectNode n = json.createObjectNode();
    if (stamp instanceof Hlc h) {
      n.put("physicalMs", h.physicalMs());
      n.put("logical", h.logical());
      n.put("node", h.node().value());
    } else {
      ((VectorClock) stamp).entries().forEach((node, counter) -> n.put(node.value(), counter));
    }
    return n;
  }

  /**
   * The answer to a delete: {@code deleted}, the register's type, its clock (the tombstone's HLC
   * or the register's context) and the values removed here.
   */
  ObjectNode deleted(String keyspace, String key, Mergeable<?> state, List<Superseded> removed) {
    ObjectNode body = json.createObjectNode();
    body.put("keyspace", keyspace);
    body.put("key", key);
    body.put("deleted", true);
    if (state instanceof LwwRegister l) {
      body.put("type", "lww");
      body.set("clock", clock(l.stamp()));
      body.put("node", l.stamp().node().value());
    } else if (state instanceof MvRegister m) {
      body.put("type", "mv");
      body.set("context", clock(m.context()));
    } else if (state instanceof ManualRegister m) {
      body.put("type", "manual");
      body.set("context", clock(m.context()));
    }
    ArrayNode list = body.putArray("removed");
    for (Superseded s : removed) {
      list.add(superseded(s));
    }
    return body;
  }

  ObjectNode history(String keyspace, String key, List<Superseded> superseded) {
    ObjectNode body = json.createObjectNode();
    body.put("keyspace", keyspace);
    body.put("key", key);
    ArrayNode list = body.putArray("superseded");
    for (Superseded s : superseded) {
      list.add(superseded(s));
    }
    return body;
  }

  ObjectNode superseded(Superseded s) {
    ObjectNode n = json.createObjectNode();
    n.put("value", s.value());
    n.set("clock", clock(s.clock()));
    n.put("node", s.node().value());
    n.put("reason", s.reason().name());
    return n;
  }
}
