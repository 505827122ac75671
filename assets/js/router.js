// Client-side routing with real URLs under the base path (the <base>
// element's path), so deep links and reloads work: the server answers every
// extension-less path with index.html.
import { html, useEffect, useState } from "./lib.js";
import { Store, useStore } from "./store.js";

/** The base path of the app, always ending in "/" (e.g. "/medianest/"). */
export const basePath = new URL(document.baseURI).pathname.replace(/\/?$/, "/");

/** appPath turns a location path into the app's own path ("/downloads"). */
function appPath(pathname) {
  const p = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname.replace(/^\//, "");
  return "/" + p;
}

function current() {
  return { path: appPath(location.pathname), query: new URLSearchParams(location.search) };
}

/** The current route: {path, query}. */
export const route = new Store(current());

/** href makes an app path ("/library/1") into a link target under the base. */
export function href(path) {
  return basePath + path.replace(/^\//, "");
}

/** navigate goes to an app path, adding to the history unless replace. */
export function navigate(path, { replace = false } = {}) {
  const url = href(path);
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  route.set(current());
  if (!replace) window.scrollTo(0, 0);
}

/**
 * setQuery changes query parameters of the current page in place (filters,
 * paging), so the view can be bookmarked and the back button undoes it.
 * A null, undefined or "" value removes the parameter.
 */
export function setQuery(changes, { replace = false } = {}) {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === "") q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  navigate(route.get().path + (s ? "?" + s : ""), { replace });
}

window.addEventListener("popstate", () => route.set(current()));

/** useRoute re-renders on every navigation and answers {path, query}. */
export function useRoute() {
  return useStore(route);
}

/**
 * match compares a path with a pattern such as "/library/:section" and
 * answers the parameters, or null.
 */
export function match(pattern, path) {
  const ps = pattern.split("/"), xs = path.replace(/\/+$/, "").split("/");
  if (pattern === "/") return path === "/" || path === "" ? {} : null;
  if (ps.length !== xs.length) return null;
  const params = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].startsWith(":")) {
      if (!xs[i]) return null;
      params[ps[i].slice(1)] = decodeURIComponent(xs[i]);
    } else if (ps[i] !== xs[i]) return null;
  }
  return params;
}

/**
 * Link is an <a> with a real href that navigates without a reload on a
 * plain left click (a middle click or Ctrl-click still opens a tab).
 */
export function Link({ to, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
    rest.onNavigate?.();
  };
  const { onNavigate, ...attrs } = rest;
  return html`<a href=${href(to)} onClick=${onClick} ...${attrs}>${children}</a>`;
}

/**
 * Lazy renders the component a module exports, loading the module on first
 * use: a page's code is fetched only when the page is opened.
 */
export function Lazy({ load, name = "default", props }) {
  const [mod, setMod] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => {
    let live = true;
    setMod(null);
    load().then((m) => live && setMod(m), (e) => live && setErr(e));
    return () => (live = false);
  }, [load]);
  if (err) return html`<h1>Could not load this page</h1><p role="alert">${err.message}. Reload the page to try again.</p>`;
  if (!mod) return null;
  const C = mod[name];
  return html`<${C} ...${props} />`;
}

/** safeNext keeps a return path (?next=) inside the app. */
export function safeNext(next) {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}
