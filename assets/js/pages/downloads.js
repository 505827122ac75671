// Downloads: the form (URL, quality, format) with a preview of what the URL
// is before anything is queued, the caller's quota, and their queue with
// live progress.
import { apiURL, get, post } from "../api.js";
import { useEvent } from "../events.js";
import { html, useEffect, useState } from "../lib.js";
import { setQuery } from "../router.js";
import { Async, ErrorBox, Page, Pager, announce, fmtBytes, fmtDuration, useAsync, useDebounced } from "../ui.js";
import { DownloadList, StatusFilter, Thumb, nameOf, useLiveDownloads } from "./download-list.js";

const QUALITIES = [
  ["best", "Best available"], ["2160p", "2160p (4K)"], ["1440p", "1440p"], ["1080p", "1080p"],
  ["720p", "720p"], ["480p", "480p"], ["360p", "360p"], ["audio", "Audio only"],
];
const FORMATS = [["mp4", "MP4"], ["mkv", "MKV"], ["webm", "WebM"]];

/** looksLikeURL: worth asking the server about (it has the last word). */
function looksLikeURL(v) {
  try {
    const u = new URL(v.trim());
    return (u.protocol === "https:" || u.protocol === "http:") && (u.hostname.includes(".") || u.hostname.startsWith("[") || u.hostname === "localhost");
  } catch {
    return false;
  }
}

export default function Downloads({ query, user }) {
  const status = query.get("status") || "";
  const page = Number(query.get("page")) || 1;
  const list = useAsync((signal) => get("/youtube/downloads", { status, page, pageSize: 20 }, { signal }), [status, page]);
  const quota = useAsync((signal) => get("/youtube/quota", null, { signal }), []);
  const belongs = (d) => d.userId === user?.id && page === 1 && (!status || d.status === status);
  useLiveDownloads(list, belongs);
  useEvent("download.updated", (d) => {
    if (d.userId === user?.id && (d.status === "completed" || d.status === "cancelled")) quota.reload();
  });

  const change = (d) => list.setData((xs) => (xs || []).map((x) => (x.id === d.id ? { ...x, ...d, items: d.items ?? x.items } : x)));
  const remove = (id) => {
    list.setData((xs) => (xs || []).filter((x) => x.id !== id));
    quota.reload();
  };
  const queued = (d) => {
    if (belongs(d)) list.setData((xs) => [d, ...(xs || []).filter((x) => x.id !== d.id)]);
    quota.reload();
  };

  return html`<${Page} title="Downloads">
    <div class="dl-top">
      <${DownloadForm} onQueued=${queued} />
      <${QuotaCard} state=${quota} />
    </div>
    <section class="dl-queue" aria-labelledby="dl-queue-h">
      <h2 id="dl-queue-h">Your downloads</h2>
      <div class="filters"><${StatusFilter} value=${status} onChange=${(v) => setQuery({ status: v, page: null })} /></div>
      <${Async} state=${list} label="Loading your downloads…"
        empty=${status ? "No downloads with this status." : "Nothing downloaded yet. Paste a video or playlist link above."}>
        ${(xs, meta) => html`<${DownloadList} list=${xs} onChange=${change} onRemove=${remove} />
          <${Pager} meta=${meta} onPage=${(p) => setQuery({ page: p })} label="Pages of downloads" />`}
      <//>
    </section>
  <//>`;
}

function DownloadForm({ onQueued }) {
  const [url, setUrl] = useState("");
  const [quality, setQuality] = useState("1080p");
  const [format, setFormat] = useState("mp4");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const wanted = useDebounced(url.trim(), 400);
  const preview = usePreview(looksLikeURL(wanted) ? wanted : "");
  const shownError = error || preview.error;

  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await post("/youtube/downloads", { url: url.trim(), quality, format });
      announce(r.data.status === "pending_approval" ? `${nameOf(r.data)} is waiting for approval` : `Queued ${nameOf(r.data)}`);
      setUrl("");
      onQueued(r.data);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const msg = shownError ? shownError.fieldError?.("url") || shownError.message : "";
  return html`<form class="form card dl-form" onSubmit=${submit} aria-labelledby="dl-form-h" novalidate>
    <h2 id="dl-form-h">New download</h2>
    <label>Video or playlist URL
      <input type="url" name="url" inputmode="url" autocomplete="off" spellcheck=${false} placeholder="https://www.youtube.com/watch?v=…"
        value=${url} onInput=${(e) => { setUrl(e.currentTarget.value); setError(null); }}
        aria-invalid=${msg ? "true" : "false"} aria-describedby="dl-url-msg" />
    </label>
    <p id="dl-url-msg" class=${msg ? "field-error" : "hint"} role=${msg ? "alert" : undefined}>${msg || "A YouTube video or playlist link."}</p>
    <div class="row">
      <label>Quality<select value=${quality} onChange=${(e) => setQuality(e.currentTarget.value)}>
        ${QUALITIES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
      <label>Format<select value=${format} onChange=${(e) => setFormat(e.currentTarget.value)}>
        ${FORMATS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
    </div>
    <${Preview} state=${preview} url=${wanted} />
    <div><button type="submit" class="btn btn-primary" disabled=${busy || !url.trim()}>${busy ? "Queueing…" : "Download"}</button></div>
  </form>`;
}

/** usePreview asks the server what url is (nothing for ""). */
function usePreview(url) {
  const [s, setS] = useState({ url: "", meta: null, error: null, loading: false });
  useEffect(() => {
    if (!url) {
      setS({ url: "", meta: null, error: null, loading: false });
      return undefined;
    }
    const ctl = new AbortController();
    setS({ url, meta: null, error: null, loading: true });
    get("/youtube/metadata", { url }, { signal: ctl.signal }).then(
      (r) => setS({ url, meta: r.data, error: null, loading: false }),
      (e) => e.name !== "AbortError" && setS({ url, meta: null, error: e, loading: false }),
    );
    return () => ctl.abort();
  }, [url]);
  return s;
}

function Preview({ state, url }) {
  if (!url) return null;
  if (state.loading) return html`<div class="dl-preview" role="status"><${Thumb} /><p class="muted">Looking the link up…</p></div>`;
  const m = state.meta;
  if (!m) return null;
  return html`<section class="dl-preview" aria-label="Preview">
    <${Thumb} src=${m.thumbnailUrl ? apiURL("/youtube/thumbnail", { url: state.url }) : ""} alt=${`Thumbnail of ${m.title}`} />
    <div>
      <h3 class="dl-title">${m.title || "Untitled"}</h3>
      <p class="muted">${[m.channel, m.kind === "playlist" ? `Playlist of ${m.entryCount} video${m.entryCount === 1 ? "" : "s"}` : fmtDuration(m.durationSeconds)].filter(Boolean).join(" · ")}</p>
    </div>
  </section>`;
}

function QuotaCard({ state }) {
  const q = state.data;
  return html`<section class="card dl-quota" aria-labelledby="dl-quota-h">
    <h2 id="dl-quota-h">Your quota</h2>
    ${state.error && html`<${ErrorBox} error=${state.error} onRetry=${state.reload} />`}
    ${!q && !state.error && html`<p class="muted">Loading your quota…</p>`}
    ${q && html`
      <p id="dl-quota-count">${q.limit > 0 ? `${q.used} of ${q.limit} this hour` : `${q.used} this hour (no limit)`}${q.resetAt ? `, resets at ${new Date(q.resetAt).toLocaleTimeString(undefined, { timeStyle: "short" })}` : ""}</p>
      ${q.limit > 0 && html`<meter min="0" max=${q.limit} value=${Math.min(q.used, q.limit)} high=${Math.max(q.limit - 1, 0.5)} optimum="0" aria-labelledby="dl-quota-count"></meter>`}
      <p id="dl-quota-bytes">${q.bytesLimit > 0 ? `${fmtBytes(q.bytesUsed)} of ${fmtBytes(q.bytesLimit)} used` : `${fmtBytes(q.bytesUsed)} used (no limit)`}</p>
      ${q.bytesLimit > 0 && html`<meter min="0" max=${q.bytesLimit} value=${Math.min(q.bytesUsed, q.bytesLimit)} high=${q.bytesLimit * 0.9} optimum="0" aria-labelledby="dl-quota-bytes"></meter>`}
      ${!q.canDownload && html`<p class="field-error">You cannot start another download right now.</p>`}`}
  </section>`;
}
