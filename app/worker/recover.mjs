// What the Worker answers when the Rust code fails outright (a panic, which
// aborts the WebAssembly instance): an RFC 9457 problem with the request's
// id, as the native server answers, instead of the runtime's HTML error
// page. workers-rs reinitialises the instance for the next request.

/** The request id, as keel assigns it: the client's sane X-Request-Id, else cf-ray. */
export function requestId(request) {
  const sane = (v) => v !== null && /^[A-Za-z0-9._:+/=-]{1,128}$/.test(v);
  const own = request.headers.get("x-request-id");
  if (sane(own)) return own;
  const ray = request.headers.get("cf-ray");
  if (sane(ray)) return ray;
  return crypto.randomUUID().replaceAll("-", "");
}

/** The 500 problem for `request`. */
export function internalProblem(request) {
  const id = requestId(request);
  const body = JSON.stringify({
    type: "/problems/internal",
    title: "Internal server error",
    status: 500,
    detail: "the server failed to handle the request; it has been logged",
    request_id: id,
  });
  return new Response(body, {
    status: 500,
    headers: {
      "content-type": "application/problem+json",
      "x-request-id": id,
      "x-content-type-options": "nosniff",
    },
  });
}

/**
 * A promise that rejects with the next uncaught error of the isolate, and
 * a function that stops listening. A panic aborts the WebAssembly instance
 * inside a callback, so it surfaces as an uncaught error while the
 * request's own promise never settles.
 */
function nextUncaughtError(target) {
  let stop = () => {};
  const failed = new Promise((_, reject) => {
    if (typeof target?.addEventListener !== "function") return;
    const onError = (event) => reject(event?.error ?? event?.reason ?? event);
    target.addEventListener("error", onError);
    target.addEventListener("unhandledrejection", onError);
    stop = () => {
      target.removeEventListener("error", onError);
      target.removeEventListener("unhandledrejection", onError);
    };
  });
  return [failed, () => stop()];
}

/**
 * `Entrypoint` with its `fetch` answering a failure as a 500 problem. A
 * WebAssembly trap also marks the instance for reinitialisation, as the
 * workers-rs shim does for errors it sees itself.
 */
export function recovering(Entrypoint, state = globalThis.__worker_init_state, events = globalThis) {
  return class extends Entrypoint {
    async fetch(request) {
      const [crashed, stop] = nextUncaughtError(events);
      try {
        return await Promise.race([super.fetch(request), crashed]);
      } catch (error) {
        console.error(`request ${requestId(request)} failed:`, error);
        if (error instanceof WebAssembly.RuntimeError && state) {
          state.criticalError = true;
        }
        return internalProblem(request);
      } finally {
        stop();
      }
    }
  };
}
