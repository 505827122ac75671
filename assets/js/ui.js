// Components and formatters every page shares: the page frame with its one
// h1, loading / empty / error states, status badges that always carry a
// word, paging, confirmation dialogs, posters and announcements for screen
// readers.
import { html, render, useCallback, useEffect, useRef, useState } from "./lib.js";

/**
 * Page frames a page: its h1 (focused after a navigation, so screen
 * readers announce the new page), the document title and optional actions.
 */
export function Page({ title, actions, children, wide = false }) {
  const h1 = useRef(null);
  useEffect(() => {
    document.title = `${title} · MediaNest`;
  }, [title]);
  useEffect(() => {
    if (document.activeElement === document.body || document.activeElement?.closest?.("nav")) h1.current?.focus({ preventScroll: true });
  }, []);
  return html`<div class=${wide ? "page page-wide" : "page"}>
    <div class="page-head">
      <h1 tabindex="-1" ref=${h1}>${title}</h1>
      ${actions && html`<div class="page-actions">${actions}</div>`}
    </div>
    ${children}
  </div>`;
}

/**
 * useAsync runs load(signal) when deps change and answers
 * {data, meta, error, loading, reload, setData}. While a reload runs the old
 * data stays on screen, so nothing jumps.
 */
export function useAsync(load, deps) {
  const [state, setState] = useState({ data: undefined, meta: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    Promise.resolve(load(ctl.signal)).then(
      (r) => !ctl.signal.aborted && setState({ data: r?.data, meta: r?.meta ?? null, error: null, loading: false }),
      (e) => !ctl.signal.aborted && e.name !== "AbortError" && setState((s) => ({ ...s, error: e, loading: false })),
    );
    return () => ctl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((fn) => setState((s) => ({ ...s, data: typeof fn === "function" ? fn(s.data) : fn })), []);
  return { ...state, reload, setData };
}

/**
 * Async shows the states of a useAsync result: loading (first load only),
 * the error with a retry button, empty, or children(data, meta).
 */
export function Async({ state, empty, label = "Loading…", children }) {
  if (state.error && state.data === undefined) return html`<${ErrorBox} error=${state.error} onRetry=${state.reload} />`;
  if (state.data === undefined) return html`<${Loading} label=${label} />`;
  const isEmpty = Array.isArray(state.data) ? state.data.length === 0 : state.data === null;
  return html`${state.error && html`<${ErrorBox} error=${state.error} onRetry=${state.reload} />`}
    ${isEmpty && empty ? html`<${Empty}>${empty}<//>` : children(state.data, state.meta)}`;
}

export function Loading({ label = "Loading…" }) {
  return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${label}</p>`;
}

export function Empty({ children }) {
  return html`<div class="empty"><p>${children}</p></div>`;
}

/** ErrorBox says what went wrong, in the API's words, with a retry. */
export function ErrorBox({ error, onRetry }) {
  if (!error) return null;
  return html`<div class="error" role="alert">
    <p>${error.message || String(error)}</p>
    ${onRetry && html`<button type="button" class="btn" onClick=${onRetry}>Try again</button>`}
  </div>`;
}

const WORDS = {
  up: "Up", down: "Down", degraded: "Degraded", disabled: "Disabled", unknown: "Unknown",
  pending: "Pending", approved: "Approved", declined: "Declined", processing: "Processing",
  available: "Available", partially_available: "Partly available", failed: "Failed",
  queued: "Queued", downloading: "Downloading", completed: "Completed", cancelled: "Cancelled",
  pending_approval: "Awaiting approval", active: "Active", maintenance: "Maintenance",
  info: "Info", warning: "Warning", critical: "Critical", admin: "Admin", user: "User",
};

/** statusWord is the word for a status value ("pending_approval" → "Awaiting approval"). */
export function statusWord(s) {
  return WORDS[s] || (s ? s[0].toUpperCase() + s.slice(1).replace(/_/g, " ") : "Unknown");
}

/** Badge shows a status as a word with a colour, never the colour alone. */
export function Badge({ status, label }) {
  return html`<span class=${"badge badge-" + (status || "unknown")}>${label || statusWord(status)}</span>`;
}

/**
 * Pager moves through a paged list (meta: {page, totalPages, total}).
 * It renders nothing for a single page.
 */
export function Pager({ meta, onPage, label = "Pages" }) {
  if (!meta || !(meta.totalPages > 1)) return null;
  const { page, totalPages } = meta;
  return html`<nav class="pager" aria-label=${label}>
    <button type="button" class="btn" disabled=${page <= 1} onClick=${() => onPage(page - 1)}>Previous</button>
    <span>Page ${page} of ${totalPages}</span>
    <button type="button" class="btn" disabled=${page >= totalPages} onClick=${() => onPage(page + 1)}>Next</button>
  </nav>`;
}

/**
 * confirm asks a yes/no question in a modal <dialog> and resolves true
 * when the user agrees. extra may add a checkbox: {label} → the answer is
 * then {ok, checked}.
 */
export function confirm({ title, message, confirmLabel = "Confirm", danger = false, checkbox = null }) {
  return new Promise((resolve) => {
    const host = document.getElementById("dialogs");
    const box = document.createElement("div");
    host.appendChild(box);
    const done = (v) => {
      render(null, box);
      box.remove();
      resolve(v);
    };
    render(html`<${ConfirmDialog} title=${title} message=${message} confirmLabel=${confirmLabel}
      danger=${danger} checkbox=${checkbox} onDone=${done} />`, box);
  });
}

function ConfirmDialog({ title, message, confirmLabel, danger, checkbox, onDone }) {
  const ref = useRef(null);
  const [checked, setChecked] = useState(false);
  const back = useRef(document.activeElement);
  useEffect(() => {
    ref.current.showModal();
    return () => back.current?.focus?.();
  }, []);
  const answer = (ok) => onDone(checkbox ? { ok, checked } : ok);
  return html`<dialog ref=${ref} class="dialog" aria-labelledby="confirm-title" onCancel=${(e) => { e.preventDefault(); answer(false); }}>
    <h2 id="confirm-title">${title}</h2>
    ${message && html`<p>${message}</p>`}
    ${checkbox && html`<label class="check"><input type="checkbox" checked=${checked} onChange=${(e) => setChecked(e.currentTarget.checked)} /> ${checkbox.label}</label>`}
    <div class="dialog-actions">
      <button type="button" class="btn" onClick=${() => answer(false)}>Cancel</button>
      <button type="button" class=${danger ? "btn btn-danger" : "btn btn-primary"} onClick=${() => answer(true)}>${confirmLabel}</button>
    </div>
  </dialog>`;
}

/**
 * Modal is a <dialog> shown while open; onClose runs on Escape or the
 * close button. For forms that need more than a yes/no.
 */
export function Modal({ open, title, onClose, children }) {
  const ref = useRef(null);
  const id = useRef("modal-" + Math.random().toString(36).slice(2)).current;
  useEffect(() => {
    const d = ref.current;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return html`<dialog ref=${ref} class="dialog" aria-labelledby=${id} onCancel=${(e) => { e.preventDefault(); onClose(); }}>
    <div class="dialog-head"><h2 id=${id}>${title}</h2>
      <button type="button" class="btn btn-icon" aria-label="Close" onClick=${onClose}>×</button></div>
    ${open && children}
  </dialog>`;
}

/** announce tells screen-reader users about something that just happened. */
export function announce(message) {
  const el = document.getElementById("announcer");
  if (!el) return;
  el.textContent = "";
  setTimeout(() => (el.textContent = message), 50);
  toast(message);
}

let toastTimer;
function toast(message) {
  let el = document.getElementById("toast");
  if (!el) {
    el = document.createElement("div");
    el.id = "toast";
    el.className = "toast";
    el.setAttribute("aria-hidden", "true");
    document.body.appendChild(el);
  }
  el.textContent = message;
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 4000);
}

/**
 * Poster is an image through the server's image proxy at the size it is
 * shown (1x and 2x), lazy-loaded, with its box reserved so nothing shifts.
 * src is a PlexItem thumbUrl; width and height are CSS pixels.
 */
export function Poster({ src, alt = "", width = 150, height = 225, className = "poster" }) {
  if (!src) return html`<div class=${className + " poster-none"} role="img" aria-label=${alt || "No image"}></div>`;
  const at = (k) => `${src}${src.includes("?") ? "&" : "?"}width=${width * k}&height=${height * k}`;
  return html`<img class=${className} src=${at(1)} srcset=${`${at(1)} 1x, ${at(2)} 2x`} width=${width} height=${height}
    alt=${alt} loading="lazy" decoding="async" />`;
}

/** fmtBytes: 1536 → "1.5 KB". */
export function fmtBytes(n) {
  if (n === null || n === undefined || isNaN(n)) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** fmtDuration: 3725 → "1:02:05", 65 → "1:05". */
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || isNaN(seconds)) return "–";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const pad = (x) => String(x).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}

/** fmtDate: an RFC 3339 time in the reader's locale, date and time. */
export function fmtDate(iso) {
  if (!iso) return "–";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** fmtAgo: "just now", "5 min ago", "3 h ago", "2 d ago". */
export function fmtAgo(iso) {
  if (!iso) return "never";
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Time is a <time> element with the exact time as its tooltip. */
export function Time({ iso, ago = false }) {
  if (!iso) return html`<span>–</span>`;
  return html`<time datetime=${iso} title=${fmtDate(iso)}>${ago ? fmtAgo(iso) : fmtDate(iso)}</time>`;
}

/**
 * useDebounced answers value once it has stopped changing for ms: search
 * boxes ask the API when the typing pauses, not on every key.
 */
export function useDebounced(value, ms = 300) {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/**
 * useAction wraps an async action for a button: {run, busy, error}. busy
 * disables the button, so a double click does not submit twice.
 */
export function useAction(fn) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (...args) => {
    if (busy) return undefined;
    setBusy(true);
    setError(null);
    try {
      return await fn(...args);
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}
