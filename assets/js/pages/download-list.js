// The download queue shared by /downloads and /admin/downloads: one row per
// download with its status word, a <progress> bar that is always there (so
// live updates move nothing), bytes, speed and time left, playlist items on
// demand, and the actions with their confirmations. useLiveDownloads patches
// a loaded page of downloads from the event stream.
import { apiURL, del, get, post } from "../api.js";
import { useEvent } from "../events.js";
import { html, useState } from "../lib.js";
import { Badge, announce, confirm, fmtBytes, fmtDuration, statusWord } from "../ui.js";

export const STATUSES = ["pending_approval", "queued", "downloading", "processing", "completed", "failed", "cancelled", "declined"];
const ACTIVE = new Set(["pending_approval", "queued", "downloading", "processing"]);
const FINAL = new Set(["completed", "failed", "cancelled", "declined"]);

/** nameOf is what a download is called before yt-dlp gave it a title. */
export const nameOf = (d) => d.title || d.url;

/** StatusFilter is the labelled status picker of a queue. */
export function StatusFilter({ value, onChange }) {
  return html`<label>Status
    <select value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      <option value="">All</option>
      ${STATUSES.map((s) => html`<option value=${s}>${statusWord(s)}</option>`)}
    </select></label>`;
}

/**
 * useLiveDownloads keeps state (a useAsync of [Download]) current:
 * download.updated replaces a row (and adds a new one when accept(d) says
 * it belongs on this page), download.progress sets the numbers, and a
 * reconnect reloads.
 */
export function useLiveDownloads(state, accept = () => false) {
  useEvent("download.updated", (d) => {
    state.setData((list) => {
      if (!list) return list;
      const i = list.findIndex((x) => x.id === d.id);
      if (i < 0) return accept(d) ? [d, ...list] : list;
      const next = list.slice();
      // Listings leave items out; keep the ones a row has loaded.
      next[i] = { ...list[i], ...d, items: d.items ?? list[i].items };
      return next;
    });
  });
  useEvent("download.progress", (p) => {
    state.setData((list) => {
      if (!list) return list;
      const i = list.findIndex((x) => x.id === p.id);
      // A progress line can arrive after the status that ended the run.
      if (i < 0 || FINAL.has(list[i].status)) return list;
      const next = list.slice();
      next[i] = withProgress(list[i], p);
      return next;
    });
  });
  useEvent("reconnect", () => state.reload());
}

function withProgress(d, p) {
  const out = { ...d, progress: p.progress, bytesDownloaded: p.bytesDownloaded, bytesTotal: p.bytesTotal,
    speedBps: p.speedBps, etaSeconds: p.etaSeconds, itemIndex: p.itemIndex };
  if (d.status === "queued") out.status = "downloading";
  if (d.items?.length) {
    // The event carries the overall percentage; the running item's share
    // is what is left after the finished ones.
    const n = d.items.length;
    const done = d.items.filter((it) => it.status === "completed").length;
    const own = Math.max(0, Math.min(100, p.progress * n - 100 * done));
    out.items = d.items.map((it) => (it.index === p.itemIndex && !FINAL.has(it.status) ? { ...it, status: "downloading", progress: own } : it));
  }
  return out;
}

/** DownloadList is the queue: a list of rows. */
export function DownloadList({ list, onChange, onRemove, admin = false }) {
  return html`<ul class="list dl-list">
    ${list.map((d) => html`<${DownloadRow} key=${d.id} d=${d} admin=${admin} onChange=${onChange} onRemove=${onRemove} />`)}
  </ul>`;
}

const pct = (v) => Math.max(0, Math.min(100, Number(v) || 0));

function Numbers({ d }) {
  if (d.status === "downloading") {
    const parts = [
      d.bytesTotal ? `${fmtBytes(d.bytesDownloaded)} of ${fmtBytes(d.bytesTotal)}` : fmtBytes(d.bytesDownloaded),
      d.speedBps ? `${fmtBytes(d.speedBps)}/s` : null,
      d.etaSeconds !== null && d.etaSeconds !== undefined ? `${fmtDuration(d.etaSeconds)} left` : null,
    ].filter(Boolean);
    return html`<p class="dl-numbers">${Math.round(pct(d.progress))}% · ${parts.join(" · ")}</p>`;
  }
  if (d.status === "completed") return html`<p class="dl-numbers">${d.bytesTotal ? fmtBytes(d.bytesTotal) : "Done"}${d.plexCollection ? ` · in the Plex collection “${d.plexCollection.title}”` : ""}</p>`;
  if (d.status === "pending_approval") return html`<p class="dl-numbers">Waiting for an admin to approve it.</p>`;
  if (d.status === "queued") return html`<p class="dl-numbers">${d.nextAttemptAt ? "Will be tried again soon." : "Waiting for its turn."}</p>`;
  if (d.status === "processing") return html`<p class="dl-numbers">Merging and moving the files…</p>`;
  return html`<p class="dl-numbers">${d.error || statusWord(d.status)}</p>`;
}

/** Thumb is a download's thumbnail through the server, or an empty box of the same size. */
export function Thumb({ src, alt = "" }) {
  if (!src) return html`<div class="dl-thumb dl-thumb-none" aria-hidden="true"></div>`;
  return html`<img class="dl-thumb" src=${src} width="160" height="90" alt=${alt} loading="lazy" decoding="async" />`;
}

function DownloadRow({ d, admin, onChange, onRemove }) {
  const name = nameOf(d);
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const shownItems = d.items ?? items;

  const act = async (fn) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const cancel = () => act(async () => {
    const ok = await confirm({ title: `Cancel “${name}”?`, message: "The download stops and its partial files are removed.", confirmLabel: "Cancel download", danger: true });
    if (!ok) return;
    const r = await post(`/youtube/downloads/${d.id}/cancel`);
    onChange(r.data);
    announce(`Download of ${name} cancelled`);
  });
  const retry = () => act(async () => {
    const r = await post(`/youtube/downloads/${d.id}/retry`);
    onChange(r.data);
    announce(`${name} queued again`);
  });
  const remove = () => act(async () => {
    const a = await confirm({ title: `Delete “${name}”?`, message: "The download leaves the list.", confirmLabel: "Delete", danger: true,
      checkbox: { label: "Also delete the files" } });
    if (!a.ok) return;
    await del(`/youtube/downloads/${d.id}`, { deleteFiles: a.checked ? "true" : null });
    onRemove(d.id);
    announce(a.checked ? `${name} and its files deleted` : `${name} deleted`);
  });
  const decide = (approve) => act(async () => {
    if (!approve) {
      const ok = await confirm({ title: `Decline “${name}”?`, message: `${d.username || "The user"} is told it was declined.`, confirmLabel: "Decline", danger: true });
      if (!ok) return;
    }
    const r = await post(`/admin/downloads/${d.id}/${approve ? "approve" : "decline"}`);
    onChange(r.data);
    announce(approve ? `Approved ${name}` : `Declined ${name}`);
  });
  const toggle = () => act(async () => {
    if (!open && !shownItems) {
      const r = await get(`/youtube/downloads/${d.id}`);
      setItems(r.data.items || []);
      onChange({ ...d, items: r.data.items || [] });
    }
    setOpen(!open);
  });

  const itemsId = `dl-items-${d.id}`;
  return html`<li class="card dl">
    <${Thumb} src=${d.thumbnailUrl ? apiURL(`/youtube/downloads/${d.id}/thumbnail`) : ""} />
    <div class="dl-body">
      <div class="dl-head">
        <h3 class="dl-title">${name}</h3>
        <${Badge} status=${d.status} />
      </div>
      <p class="muted dl-meta">${[d.channel, d.kind === "playlist" ? `Playlist${d.itemCount ? ` of ${d.itemCount}` : ""}` : null,
        admin && d.username ? `by ${d.username}` : null, `${d.quality} ${d.format}`].filter(Boolean).join(" · ")}</p>
      <progress class="dl-progress" max="100" value=${pct(d.status === "completed" ? 100 : d.progress)} aria-label=${`Progress of ${name}`}></progress>
      <${Numbers} d=${d} />
      ${error && html`<p class="field-error" role="alert">${error.message}</p>`}
      <div class="row dl-actions">
        ${admin && d.status === "pending_approval" && html`
          <button type="button" class="btn btn-small btn-primary" disabled=${busy} onClick=${() => decide(true)} aria-label=${`Approve ${name}`}>Approve</button>
          <button type="button" class="btn btn-small" disabled=${busy} onClick=${() => decide(false)} aria-label=${`Decline ${name}`}>Decline</button>`}
        ${ACTIVE.has(d.status) && html`<button type="button" class="btn btn-small" disabled=${busy} onClick=${cancel} aria-label=${`Cancel download of ${name}`}>Cancel</button>`}
        ${(d.status === "failed" || d.status === "cancelled") && html`<button type="button" class="btn btn-small" disabled=${busy} onClick=${retry} aria-label=${`Retry ${name}`}>Retry</button>`}
        <button type="button" class="btn btn-small" disabled=${busy} onClick=${remove} aria-label=${`Delete ${name}`}>Delete</button>
        ${d.kind === "playlist" && html`<button type="button" class="btn btn-small" disabled=${busy} onClick=${toggle}
          aria-expanded=${open ? "true" : "false"} aria-controls=${itemsId} aria-label=${`${open ? "Hide" : "Show"} the videos of ${name}`}>${open ? "Hide videos" : "Show videos"}</button>`}
      </div>
      ${d.kind === "playlist" && html`<div id=${itemsId} hidden=${!open}>
        ${open && shownItems && (shownItems.length
          ? html`<ol class="dl-items">${shownItems.map((it) => html`<li key=${it.index}>
              <div class="dl-head"><span>${it.title || `Video ${it.index}`}</span><${Badge} status=${it.status} /></div>
              <progress class="dl-progress" max="100" value=${pct(it.status === "completed" ? 100 : it.progress)} aria-label=${`Progress of ${it.title || `video ${it.index}`}`}></progress>
              ${it.error && html`<p class="field-error">${it.error}</p>`}
            </li>`)}</ol>`
          : html`<p class="muted">The playlist's videos are not known yet.</p>`)}
      </div>`}
    </div>
  </li>`;
}
