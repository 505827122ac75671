// One EventSource for GET /api/v1/events, shared by every live view. A
// dropped or refused stream is reopened here with a backoff once a session
// check says the user is still signed in; when not, the page signs out.
import { apiURL, get, signalUnauthorized } from "./api.js";
import { useEffect, useRef } from "./lib.js";
import { Store } from "./store.js";

/** "off", "connecting", "open" or "reconnecting". */
export const connection = new Store("off");

const TYPES = ["service.status", "request.updated", "download.updated", "download.progress", "notification", "notice"];
const handlers = new Map(TYPES.map((t) => [t, new Set()]));
let source = null;
let retry = null;
let backoff = 1000;
let wanted = false;
let opened = false;

/** start opens the stream (once signed in). */
export function start() {
  wanted = true;
  if (!source) open();
}

/** stop closes the stream (on sign-out). */
export function stop() {
  wanted = false;
  clearTimeout(retry);
  retry = null;
  source?.close();
  source = null;
  connection.set("off");
  opened = false;
}

function open() {
  clearTimeout(retry);
  retry = null;
  connection.set(connection.get() === "off" ? "connecting" : "reconnecting");
  const es = new EventSource(apiURL("/events"));
  source = es;
  es.onopen = () => {
    backoff = 1000;
    connection.set("open");
    // What changed while the stream was down is not replayed: views that
    // care reload when they hear "reconnect".
    if (opened) dispatch("reconnect", null);
    opened = true;
  };
  es.onerror = () => {
    if (source !== es) return;
    // The browser would retry by itself, but a retry that meets a 401 (the
    // account was signed out or disabled meanwhile) ends in an error it
    // cannot explain. So: close, ask whether the session is still good
    // (optional=true answers a null user instead of a 401), then sign the
    // page out or reopen with a backoff.
    es.close();
    source = null;
    connection.set("reconnecting");
    get("/auth/session", { optional: "true" }).then(
      (r) => (r.data?.user ? schedule() : signalUnauthorized()),
      () => schedule(),
    );
  };
  for (const t of TYPES) {
    es.addEventListener(t, (msg) => {
      let data;
      try {
        data = JSON.parse(msg.data);
      } catch {
        return;
      }
      dispatch(t, data);
    });
  }
}

function schedule() {
  if (!wanted || retry) return;
  retry = setTimeout(open, backoff);
  backoff = Math.min(backoff * 2, 30000);
}

function dispatch(type, data) {
  for (const fn of handlers.get(type) || []) {
    try {
      fn(data);
    } catch (e) {
      console.warn("event handler", type, e);
    }
  }
}

handlers.set("reconnect", new Set());

/** on calls fn(data) for every event of type; it answers the unsubscribe. */
export function on(type, fn) {
  handlers.get(type).add(fn);
  return () => handlers.get(type).delete(fn);
}

/**
 * useEvent calls fn for every event of type while the component is shown
 * ("reconnect" fires when a dropped stream is back). fn may change between renders.
 */
export function useEvent(type, fn) {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => on(type, (d) => ref.current(d)), [type]);
}
