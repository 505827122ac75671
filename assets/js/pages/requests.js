// My requests: the user's Overseerr requests, filtered by status (?status=)
// and paged (?page=), with badges that follow request.updated live and a
// cancel while a request is still pending.
import { del, get } from "../api.js";
import { useEvent } from "../events.js";
import { html, useState } from "../lib.js";
import { Link, setQuery } from "../router.js";
import { Async, Badge, Page, Pager, Time, announce, confirm, useAsync } from "../ui.js";
import { MediaPoster } from "./mediaposter.js";

const STATUSES = ["pending", "approved", "processing", "available", "declined", "failed"];
const WORDS = { pending: "Pending", approved: "Approved", processing: "Processing", available: "Available", declined: "Declined", failed: "Failed" };

export default function Requests({ query }) {
  const status = STATUSES.includes(query.get("status")) ? query.get("status") : "";
  const page = Math.max(1, Number(query.get("page")) || 1);
  const list = useAsync((signal) => get("/media/requests", { status, page, pageSize: 20 }, { signal }), [status, page]);
  useEvent("request.updated", (r) => list.setData((rows) => rows && rows.map((x) => (x.id === r.id ? r : x))));
  useEvent("reconnect", () => list.reload());
  const [gone, setGone] = useState(null);
  const cancel = async (r) => {
    const ok = await confirm({
      title: `Cancel the request for ${r.title}?`,
      message: "It is withdrawn from Overseerr too. You can request the title again later.",
      confirmLabel: "Cancel request", danger: true,
    });
    if (!ok) return;
    try {
      await del(`/media/requests/${r.id}`);
      list.setData((rows) => rows && rows.filter((x) => x.id !== r.id));
      setGone(null);
      announce(`Request for ${r.title} cancelled`);
    } catch (e) {
      setGone(e);
      announce(e.message);
    }
  };
  return html`<${Page} title="My requests" actions=${html`<${Link} class="btn btn-primary" to="/search">Request something<//>`}>
    <div class="filters">
      <label>Status
        <select value=${status} onChange=${(e) => setQuery({ status: e.currentTarget.value || null, page: null })}>
          <option value="">All</option>
          ${STATUSES.map((s) => html`<option value=${s}>${WORDS[s]}</option>`)}
        </select>
      </label>
    </div>
    ${gone && html`<div class="error" role="alert"><p>${gone.message}</p></div>`}
    <${Async} state=${list} empty=${status ? `No ${WORDS[status].toLowerCase()} requests.` : html`You have not requested anything yet. <${Link} to="/search">Search for a title<//>.`}>
      ${(rows, meta) => html`<div class="table-wrap" tabindex="0" role="region" aria-label="My requests"><table class="req-table">
        <caption class="visually-hidden">My requests${status ? `, ${WORDS[status].toLowerCase()}` : ""}</caption>
        <thead><tr>
          <th scope="col">Title</th><th scope="col">Status</th><th scope="col">Seasons</th>
          <th scope="col">Requested</th><th scope="col">Updated</th><th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr></thead>
        <tbody>${rows.map((r) => html`<tr key=${r.id}>
          <td><div class="req-title">
            <${MediaPoster} src=${r.posterUrl} title=${r.title} width=${46} height=${69} className="poster thumb" />
            <span><strong>${r.title}</strong>${r.year ? html` <span class="muted">(${r.year})</span>` : ""}<br />
              <span class="muted">${r.mediaType === "tv" ? "Show" : "Movie"}</span></span>
          </div></td>
          <td><${Badge} status=${r.status} /></td>
          <td>${r.mediaType === "tv" ? seasonsText(r.seasons) : "–"}</td>
          <td><${Time} iso=${r.createdAt} /></td>
          <td><${Time} iso=${r.completedAt || r.updatedAt} /></td>
          <td>${r.status === "pending" && html`<button type="button" class="btn btn-small"
            aria-label=${`Cancel request for ${r.title}`} onClick=${() => cancel(r)}>Cancel request</button>`}</td>
        </tr>`)}</tbody>
      </table></div>
      <${Pager} meta=${meta} label="Request pages" onPage=${(p) => setQuery({ page: p > 1 ? p : null })} />`}
    <//>
  <//>`;
}

/** seasonsText: [1,2,3] → "1–3", [1,3] → "1, 3", [] → "All". */
function seasonsText(seasons) {
  if (!seasons || seasons.length === 0) return "All";
  const s = [...seasons].sort((a, b) => a - b);
  const parts = [];
  for (let i = 0; i < s.length; i++) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(j > i ? `${s[i]}–${s[j]}` : String(s[i]));
    i = j;
  }
  return (s.length === 1 ? "Season " : "Seasons ") + parts.join(", ");
}
