// The API client: one place that knows the envelope of API.md, turns errors
// into sentences a person can act on, and signs the page out on a 401.
import { session } from "./store.js";

/** ApiError is a failed call: HTTP status, API code, a sentence to show. */
export class ApiError extends Error {
  constructor(status, code, message, { details = [], retryAfter = 0, requestId = "" } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
    this.requestId = requestId;
  }
  /** fieldError is the message for one field of a VALIDATION_ERROR. */
  fieldError(field) {
    return this.details.find((d) => d.field === field)?.message || "";
  }
}

const root = new URL("api/v1", document.baseURI).pathname;

/** apiURL is the address of an API path such as "/media/search". */
export function apiURL(path, query) {
  const q = query ? "?" + new URLSearchParams(clean(query)).toString() : "";
  return root + path + (q === "?" ? "" : q);
}

function clean(query) {
  const out = {};
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== "") out[k] = v;
  return out;
}

let onUnauthorized = () => session.set(null);
/** setUnauthorizedHandler decides what a 401 does (the app signs out). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** signalUnauthorized signs the page out as a 401 would. */
export function signalUnauthorized() {
  onUnauthorized(new ApiError(401, "UNAUTHORIZED", "Your session has ended."));
}

/**
 * request calls the API and answers {data, meta, status}. It throws
 * ApiError, with a message worth showing as it is.
 */
export async function request(method, path, { query, body, signal, quiet401 = false } = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, signal, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(apiURL(path, query), init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "NETWORK", "MediaNest could not be reached. Check your connection and try again.");
  }
  if (res.status === 204) return { data: null, meta: null, status: 204 };
  let env = null;
  try {
    env = await res.json();
  } catch {
    // Not JSON: a proxy's error page, for example.
  }
  if (res.ok && env && env.success) return { data: env.data, meta: env.meta || null, status: res.status };
  const err = env?.error || {};
  const retryAfter = Number(res.headers.get("Retry-After")) || 0;
  let message = err.message || `The server answered ${res.status} ${res.statusText}.`.replace(" .", ".");
  if (res.status === 429 && retryAfter > 0) message = `${message.replace(/\.?$/, ".")} Try again in ${waitWords(retryAfter)}.`;
  const e = new ApiError(res.status, err.code || "HTTP_" + res.status, message, {
    details: err.details || [],
    retryAfter,
    requestId: err.requestId || res.headers.get("X-Request-Id") || "",
  });
  if (res.status === 401 && !quiet401 && e.code === "UNAUTHORIZED") onUnauthorized(e);
  throw e;
}

/** waitWords says how long to wait: "45 s", "3 min", "2 h". */
export function waitWords(seconds) {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.ceil(seconds / 60)} min`;
  return `${Math.ceil(seconds / 3600)} h`;
}

export const get = (path, query, opts) => request("GET", path, { ...opts, query });
export const post = (path, body = {}, opts) => request("POST", path, { ...opts, body });
export const put = (path, body, opts) => request("PUT", path, { ...opts, body });
export const patch = (path, body, opts) => request("PATCH", path, { ...opts, body });
export const del = (path, query, opts) => request("DELETE", path, { ...opts, query });
