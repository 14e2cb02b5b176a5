// `node --test app/worker/recover.test.mjs` (app/tests/worker_entry.rs runs it).
import assert from "node:assert/strict";
import test from "node:test";

import { recovering } from "./recover.mjs";

class Fails {
  constructor(error) {
    this.error = error;
  }
  async fetch() {
    throw this.error;
  }
}

class Works {
  async fetch() {
    return new Response("ok", { status: 200 });
  }
}

test("a trap is answered as a 500 problem with the request id, and marks the instance", async () => {
  const state = { criticalError: false };
  const Entry = recovering(Fails, state);
  const entry = new Entry(new WebAssembly.RuntimeError("unreachable"));
  const request = new Request("http://x/v1/orders", { headers: { "x-request-id": "ticket-9" } });
  const response = await entry.fetch(request);
  assert.equal(response.status, 500);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal(response.headers.get("x-request-id"), "ticket-9");
  assert.deepEqual(await response.json(), {
    type: "/problems/internal",
    title: "Internal server error",
    status: 500,
    detail: "the server failed to handle the request; it has been logged",
    request_id: "ticket-9",
  });
  assert.equal(state.criticalError, true);
});

test("other failures are answered alike, without a reinitialisation", async () => {
  const state = { criticalError: false };
  const Entry = recovering(Fails, state);
  const request = new Request("http://x/", { headers: { "x-request-id": "bad id!", "cf-ray": "8f1d-AMS" } });
  const response = await new Entry(new Error("boom")).fetch(request);
  assert.equal(response.status, 500);
  assert.equal((await response.json()).request_id, "8f1d-AMS");
  assert.equal(state.criticalError, false);
});

test("successful responses pass through untouched", async () => {
  const Entry = recovering(Works, {});
  const response = await new Entry().fetch(new Request("http://x/"));
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "ok");
});

test("an error the request's promise never sees (a panic in a callback) still ends it", async () => {
  const events = new EventTarget();
  class Hangs {
    fetch() {
      // The instance aborts in a callback; the promise never settles.
      setTimeout(() => {
        const event = new Event("error");
        event.error = new WebAssembly.RuntimeError("unreachable");
        events.dispatchEvent(event);
      }, 10);
      return new Promise(() => {});
    }
  }
  const state = { criticalError: false };
  const Entry = recovering(Hangs, state, events);
  const response = await new Entry().fetch(new Request("http://x/", { headers: { "x-request-id": "t-3" } }));
  assert.equal(response.status, 500);
  assert.equal((await response.json()).request_id, "t-3");
  assert.equal(state.criticalError, true);
});
