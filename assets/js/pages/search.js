// Search & request: a search box whose query lives in ?q=, asked of the API
// once the typing pauses; results as a poster grid with their availability;
// a request dialog (seasons for shows) that answers at once.
import { get, post } from "../api.js";
import { html, useEffect, useState } from "../lib.js";
import { Link, setQuery } from "../router.js";
import { Async, Badge, ErrorBox, Loading, Modal, Page, Pager, announce, useAction, useAsync, useDebounced } from "../ui.js";
import { MediaPoster } from "./mediaposter.js";

export default function Search({ query }) {
  const q = (query.get("q") || "").trim();
  const page = Math.max(1, Number(query.get("page")) || 1);
  const [text, setText] = useState(query.get("q") || "");
  const typed = useDebounced(text, 300);
  // Back and forward change ?q=; the box follows.
  useEffect(() => {
    if (q !== text.trim()) setText(query.get("q") || "");
  }, [q]);
  useEffect(() => {
    if (typed.trim() !== q) setQuery({ q: typed.trim() || null, page: null }, { replace: true });
  }, [typed]);
  // Searching needs Overseerr: while it is not set up the search would
  // only answer 503, so the page says so instead of asking.
  const ovr = useAsync((signal) => get("/dashboard/status/overseerr", null, { signal }), []);
  const off = ovr.data?.status === "disabled";
  const ready = ovr.data !== undefined || ovr.error;
  const results = useAsync((signal) => (q && ready && !off ? get("/media/search", { query: q, page }, { signal }) : Promise.resolve({ data: null })), [q, page, ready, off]);
  const [target, setTarget] = useState(null);
  const requested = (r) => {
    results.setData((list) => list && list.map((x) => (x.mediaType === r.mediaType && x.tmdbId === r.tmdbId ? { ...x, requested: true } : x)));
  };
  return html`<${Page} title="Search and request">
    <form class="search-form" role="search" onSubmit=${(e) => { e.preventDefault(); setQuery({ q: text.trim() || null, page: null }, { replace: true }); }}>
      <label for="media-q">Search movies and shows</label>
      <input id="media-q" type="search" value=${text} autocomplete="off" spellcheck="false" disabled=${off}
        placeholder="A title, e.g. Dune" onInput=${(e) => setText(e.currentTarget.value)} />
    </form>
    ${off ? html`<div class="info"><p>Requests are not set up on this server: MediaNest has no Overseerr to ask. Ask an admin to set it up.</p></div>`
      : !q ? html`<p class="muted">Type a title to find it on Overseerr, then request it. Already in Plex? Look in the <${Link} to="/library">library<//>.</p>`
      : html`<${Async} state=${results.data === null ? { ...results, data: undefined } : results} label="Searching…">
        ${(list, meta) => html`<section aria-labelledby="results-h">
          <h2 id="results-h">${resultsHeading(q, meta, list.length)}</h2>
          ${list.length === 0 ? html`<p class="muted">Try another spelling or a shorter title.</p>`
            : html`<ul class="grid results">${list.map((r) => html`<${Result} key=${r.mediaType + r.tmdbId} r=${r} onRequest=${() => setTarget(r)} />`)}</ul>`}
          <${Pager} meta=${meta} label="Result pages" onPage=${(p) => setQuery({ page: p > 1 ? p : null })} />
        </section>`}
      <//>`}
    <${RequestDialog} target=${target} onClose=${() => setTarget(null)} onDone=${requested} />
  <//>`;
}

/** resultsHeading counts what is shown; Overseerr's total also counts people, which are left out. */
function resultsHeading(q, meta, n) {
  if (meta?.totalPages > 1) return `Results for “${q}”, page ${meta.page} of ${meta.totalPages}`;
  return `${n} ${n === 1 ? "result" : "results"} for “${q}”`;
}

/** availabilityBadge: "Available", "Partly available", "Requested", … or nothing for a title nobody asked for. */
function AvailabilityBadge({ r }) {
  const a = r.availability;
  if (a === "available" || a === "partially_available" || a === "processing") return html`<${Badge} status=${a} />`;
  if (a === "pending" || r.requested) return html`<${Badge} status="pending" label="Requested" />`;
  return html`<${Badge} status="unknown" label="Not requested" />`;
}

function canRequest(r) {
  if (r.availability === "available") return false;
  return r.mediaType === "tv" || !(r.requested || r.availability === "pending" || r.availability === "processing");
}

function Result({ r, onRequest }) {
  const kind = r.mediaType === "tv" ? "Show" : "Movie";
  return html`<li class="result">
    <${MediaPoster} src=${r.posterUrl} title=${r.title} />
    <h3 class="tile-title">${r.title}</h3>
    <div class="result-meta"><span class="muted">${kind}${r.year ? ` · ${r.year}` : ""}</span> <${AvailabilityBadge} r=${r} /></div>
    ${canRequest(r) && html`<button type="button" class="btn btn-small" aria-label=${`Request ${r.title}`} onClick=${onRequest}>Request</button>`}
  </li>`;
}

/**
 * RequestDialog asks for a title: a movie at once, a show with the seasons
 * the user picks (or all of them).
 */
function RequestDialog({ target, onClose, onDone }) {
  return html`<${Modal} open=${!!target} title=${target ? `Request ${target.title}` : "Request"} onClose=${onClose}>
    ${target && html`<${RequestForm} key=${target.mediaType + target.tmdbId} r=${target} onClose=${onClose} onDone=${onDone} />`}
  <//>`;
}

function RequestForm({ r, onClose, onDone }) {
  const tv = r.mediaType === "tv";
  const detail = useAsync((signal) => (tv ? get(`/media/tv/${r.tmdbId}`, null, { signal }) : Promise.resolve({ data: null })), [r.tmdbId, tv]);
  const [all, setAll] = useState(false);
  const [picked, setPicked] = useState(() => new Set());
  const send = useAction(async () => {
    const body = { mediaType: r.mediaType, tmdbId: r.tmdbId };
    if (tv) body.seasons = all ? "all" : [...picked].sort((a, b) => a - b);
    await post("/media/requests", body);
    announce(`Requested ${r.title}`);
    onDone(r);
    onClose();
  });
  const toggle = (n, on) => setPicked((s) => {
    const x = new Set(s);
    if (on) x.add(n);
    else x.delete(n);
    return x;
  });
  const ready = !tv || all || picked.size > 0;
  return html`<form class="form" onSubmit=${(e) => { e.preventDefault(); ready && send.run(); }}>
    <p>${tv ? "Pick the seasons you would like, and they are asked of Overseerr." : "The movie is asked of Overseerr; you hear back when it is in Plex."}
      ${r.year ? ` ${r.title} (${r.year}).` : ""}</p>
    ${tv && (detail.error ? html`<${ErrorBox} error=${detail.error} onRetry=${detail.reload} />`
      : !detail.data ? html`<${Loading} label="Loading seasons…" />`
        : html`<${Seasons} seasons=${detail.data.seasons || []} all=${all} setAll=${setAll} picked=${picked} toggle=${toggle} />`)}
    ${send.error && html`<div class="error" role="alert"><p>${requestError(send.error, r)}</p></div>`}
    <div class="dialog-actions">
      <button type="button" class="btn" onClick=${onClose}>Cancel</button>
      <button type="submit" class="btn btn-primary" disabled=${send.busy || !ready}>${send.busy ? "Sending…" : "Send request"}</button>
    </div>
  </form>`;
}

function Seasons({ seasons, all, setAll, picked, toggle }) {
  const open = seasons.filter((s) => !s.status || s.status === "unknown");
  if (seasons.length === 0) return html`<p class="muted">Overseerr lists no seasons for this show yet.</p>`;
  return html`<fieldset class="seasons">
    <legend>Seasons</legend>
    <label class="check"><input type="checkbox" checked=${all} disabled=${open.length === 0} onChange=${(e) => setAll(e.currentTarget.checked)} /> All seasons</label>
    ${seasons.map((s) => {
      const taken = s.status && s.status !== "unknown";
      const name = s.seasonNumber === 0 ? "Specials" : `Season ${s.seasonNumber}`;
      return html`<label class="check" key=${s.seasonNumber}>
        <input type="checkbox" checked=${all && !taken ? true : picked.has(s.seasonNumber)} disabled=${all || taken}
          onChange=${(e) => toggle(s.seasonNumber, e.currentTarget.checked)} />
        ${name} <span class="muted">(${s.episodeCount} episodes)</span>
        ${taken && html`<${Badge} status=${s.status} label=${s.status === "pending" ? "Requested" : undefined} />`}
      </label>`;
    })}
  </fieldset>`;
}

/** requestError says why a request was refused, in words. */
function requestError(e, r) {
  if (e.code === "ALREADY_REQUESTED") return e.message || `${r.title} has already been requested.`;
  if (e.code === "QUOTA_EXCEEDED") return e.message || "You have used up your requests for now.";
  if (e.code === "SERVICE_UNAVAILABLE") return `Requests cannot be sent right now: ${e.message}`;
  return e.message;
}
