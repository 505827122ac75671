// All requests: every user's media requests, filtered by status and media
// type, with approve / decline for pending ones (forwarded to Overseerr) and
// status badges kept current from request.updated.
import { get, post } from "../../api.js";
import { useEvent } from "../../events.js";
import { html, useState } from "../../lib.js";
import { setQuery } from "../../router.js";
import { Async, Badge, Page, Pager, Time, announce, confirm, statusWord, useAsync } from "../../ui.js";
import { AdminNav } from "./nav.js";

const STATUSES = ["pending", "approved", "processing", "available", "declined", "failed"];
const TYPES = [["movie", "Movies"], ["tv", "TV shows"]];

export default function AdminRequests({ query }) {
  const status = query.get("status") || "";
  const mediaType = query.get("mediaType") || "";
  const page = Number(query.get("page")) || 1;
  const list = useAsync((signal) => get("/admin/requests", { status, mediaType, page, pageSize: 20 }, { signal }), [status, mediaType, page]);
  const fits = (r) => page === 1 && (!status || r.status === status) && (!mediaType || r.mediaType === mediaType);
  useEvent("request.updated", (r) => {
    list.setData((xs) => {
      if (!xs) return xs;
      const i = xs.findIndex((x) => x.id === r.id);
      if (i < 0) return fits(r) ? [r, ...xs] : xs;
      const next = xs.slice();
      next[i] = { ...xs[i], ...r };
      return next;
    });
  });
  useEvent("reconnect", () => list.reload());
  const change = (r) => list.setData((xs) => (xs || []).map((x) => (x.id === r.id ? { ...x, ...r } : x)));

  return html`<${Page} title="All requests">
    <${AdminNav} />
    <div class="filters">
      <label>Status
        <select value=${status} onChange=${(e) => setQuery({ status: e.currentTarget.value, page: null })}>
          <option value="">All</option>
          ${STATUSES.map((s) => html`<option value=${s}>${statusWord(s)}</option>`)}
        </select></label>
      <label>Media type
        <select value=${mediaType} onChange=${(e) => setQuery({ mediaType: e.currentTarget.value, page: null })}>
          <option value="">All</option>
          ${TYPES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
        </select></label>
    </div>
    <${Async} state=${list} label="Loading requests…" empty=${status || mediaType ? "No requests match these filters." : "No one has requested anything yet."}>
      ${(xs, meta) => html`<div class="table-wrap"><table class="req-table">
          <caption class="visually-hidden">Every user's requests</caption>
          <thead><tr>
            <th scope="col">Title</th><th scope="col">Status</th><th scope="col">Actions</th>
            <th scope="col">Type</th><th scope="col">Requested by</th><th scope="col">Requested</th>
          </tr></thead>
          <tbody>${xs.map((r) => html`<${RequestRow} key=${r.id} r=${r} onChange=${change} />`)}</tbody>
        </table></div>
        <${Pager} meta=${meta} onPage=${(p) => setQuery({ page: p })} label="Pages of requests" />`}
    <//>
  <//>`;
}

function RequestRow({ r, onChange }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const name = r.year ? `${r.title} (${r.year})` : r.title;
  const decide = async (approve) => {
    if (busy) return;
    if (!approve && !(await confirm({ title: `Decline “${name}”?`, message: `${r.username || "The user"} is told it was declined.`, confirmLabel: "Decline", danger: true }))) return;
    setBusy(true);
    setError(null);
    try {
      const res = await post(`/admin/requests/${r.id}/${approve ? "approve" : "decline"}`);
      onChange(res.data);
      announce(`${approve ? "Approved" : "Declined"} ${name}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const seasons = r.mediaType === "tv" && r.seasons?.length ? ` · seasons ${r.seasons.join(", ")}` : "";
  return html`<tr>
    <td>${name}</td>
    <td><${Badge} status=${r.status} /></td>
    <td>
      ${r.status === "pending" ? html`<div class="row req-actions">
        <button type="button" class="btn btn-small btn-primary" disabled=${busy} onClick=${() => decide(true)} aria-label=${`Approve ${name}`}>Approve</button>
        <button type="button" class="btn btn-small" disabled=${busy} onClick=${() => decide(false)} aria-label=${`Decline ${name}`}>Decline</button>
      </div>` : html`<span class="muted">–</span>`}
      ${error && html`<p class="field-error" role="alert">${error.message}</p>`}
    </td>
    <td>${r.mediaType === "tv" ? "TV" : "Movie"}${seasons}</td>
    <td>${r.username || "–"}</td>
    <td><${Time} iso=${r.createdAt} ago=${true} /></td>
  </tr>`;
}
