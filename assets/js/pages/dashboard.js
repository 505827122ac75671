// Dashboard: the state of the services (live), Uptime Kuma's monitors when
// it is set up, the user's recent requests and downloads (live badges),
// their numbers and what was recently added to Plex.
import { get } from "../api.js";
import { useEvent } from "../events.js";
import { html, useEffect, useId, useState } from "../lib.js";
import { Link } from "../router.js";
import { Async, Badge, ErrorBox, Loading, Page, Poster, Time, useAsync } from "../ui.js";

export default function Dashboard() {
  const status = useAsync((signal) => get("/dashboard/status", null, { signal }), []);
  useEvent("service.status", (s) => {
    status.setData((list) => {
      if (!list) return list;
      return list.some((x) => x.name === s.name) ? list.map((x) => (x.name === s.name ? s : x)) : [...list, s];
    });
  });
  const kuma = status.data?.find((s) => s.name === "uptime_kuma")?.status;
  const requests = useAsync((signal) => get("/media/requests", { pageSize: 5 }, { signal }), []);
  const downloads = useAsync((signal) => get("/youtube/downloads", { pageSize: 5 }, { signal }), []);
  const stats = useAsync((signal) => get("/dashboard/stats", null, { signal }), []);
  useEvent("request.updated", (r) => requests.setData((list) => list && list.map((x) => (x.id === r.id ? r : x))));
  useEvent("download.updated", (d) => downloads.setData((list) => list && list.map((x) => (x.id === d.id ? { ...x, ...d } : x))));
  useEvent("reconnect", () => {
    status.reload();
    requests.reload();
    downloads.reload();
    stats.reload();
  });
  return html`<${Page} title="Dashboard">
    <section aria-labelledby="dash-services">
      <h2 id="dash-services">Services</h2>
      <${Async} state=${status} empty="No services are configured." label="Checking services…">
        ${(list) => html`<ul class="cards dash-svcs">${list.map((s) => html`<${ServiceCard} key=${s.name} s=${s} />`)}</ul>`}
      <//>
    </section>
    ${status.data && html`<${Monitors} kuma=${kuma} />`}
    <div class="cards dash-cards">
      <section class="card" aria-labelledby="dash-requests">
        <h2 id="dash-requests">My recent requests</h2>
        <${Async} state=${requests} empty="You have not requested anything yet.">
          ${(list) => html`<ul class="dash-list">${list.map((r) => html`<li key=${r.id}>
            <${Link} to="/requests">${r.title}${r.year ? ` (${r.year})` : ""}<//>
            <${Badge} status=${r.status} /> <span class="muted"><${Time} iso=${r.createdAt} ago /></span>
          </li>`)}</ul>`}
        <//>
        <p><${Link} to="/requests">All my requests<//> · <${Link} to="/search">Search and request<//></p>
      </section>
      <section class="card" aria-labelledby="dash-downloads">
        <h2 id="dash-downloads">My recent downloads</h2>
        <${Async} state=${downloads} empty="You have not downloaded anything yet.">
          ${(list) => html`<ul class="dash-list">${list.map((d) => html`<li key=${d.id}>
            <${Link} to="/downloads">${d.title || d.url}<//>
            <${Badge} status=${d.status} /> <span class="muted"><${Time} iso=${d.createdAt} ago /></span>
          </li>`)}</ul>`}
        <//>
        <p><${Link} to="/downloads">All my downloads<//></p>
      </section>
      <section class="card" aria-labelledby="dash-numbers">
        <h2 id="dash-numbers">My numbers</h2>
        <${Async} state=${stats}>${(st) => html`<${Numbers} st=${st} />`}<//>
      </section>
    </div>
    <section aria-labelledby="dash-recent">
      <h2 id="dash-recent">Recently added</h2>
      <${Async} state=${stats}>${(st) => html`<${Recent} items=${st.recentlyAdded || []} />`}<//>
    </section>
  <//>`;
}

/** useNow re-renders every ms, so "checked 10 s ago" stays true. */
function useNow(ms) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** checkedAgo: "checked 10 s ago", "checked 3 min ago", "not checked yet". */
function checkedAgo(iso, now) {
  if (!iso) return "not checked yet";
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `checked ${s} s ago`;
  if (s < 3600) return `checked ${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `checked ${Math.floor(s / 3600)} h ago`;
  return `checked ${Math.floor(s / 86400)} d ago`;
}

function ServiceCard({ s }) {
  const now = useNow(5000);
  const uptime = typeof s.uptime24h === "number" ? s.uptime24h : null;
  const name = s.displayName || s.name;
  const showMessage = s.message && s.status !== "up" && s.status !== "disabled";
  const id = useId();
  // The card is named by its title and status word ("Plex Media Server Up").
  return html`<li class="card dash-svc" aria-labelledby=${`${id}-n ${id}-s`}>
    <div class="dash-svc-head"><h3 id=${`${id}-n`}>${name}</h3><span id=${`${id}-s`}><${Badge} status=${s.status} /></span></div>
    <dl class="kv">
      <dt>Response</dt><dd>${s.status === "disabled" || s.responseTimeMs == null ? "–" : `${s.responseTimeMs} ms`}</dd>
      <dt>Uptime (24 h)</dt><dd>${uptime === null ? "–" : `${uptime.toFixed(uptime >= 99.95 || uptime === 0 ? 0 : 1)} %`}</dd>
    </dl>
    <meter class="dash-svc-meter" min="0" max="100" low="95" high="99" optimum="100" value=${uptime ?? 0}
      aria-label=${`${name} uptime over 24 hours`}></meter>
    <p class="muted dash-svc-checked">${s.status === "disabled" ? "Not set up" : html`<time datetime=${s.lastCheckAt || undefined}>${checkedAgo(s.lastCheckAt, now)}</time>`}</p>
    <p class="dash-svc-msg">${showMessage ? s.message : ""}</p>
  </li>`;
}

/**
 * Monitors lists Uptime Kuma's monitors. The list answers 503 while Uptime
 * Kuma is not set up, so it is asked for only once Kuma's own status says it
 * is there and answering.
 */
function Monitors({ kuma }) {
  const usable = kuma === "up" || kuma === "degraded";
  const mon = useAsync((signal) => (usable ? get("/dashboard/monitors", null, { signal }) : Promise.resolve({ data: null })), [usable]);
  useEvent("reconnect", () => usable && mon.reload());
  let body;
  if (!kuma || kuma === "disabled") body = html`<p class="muted">Uptime Kuma is not set up.</p>`;
  else if (!usable && kuma === "unknown") body = html`<p class="muted">Uptime Kuma has not been checked yet.</p>`;
  else if (!usable) body = html`<p class="muted">Uptime Kuma cannot be reached right now, so its monitors are not shown.</p>`;
  else if (mon.error && !mon.data) body = html`<${ErrorBox} error=${mon.error} onRetry=${mon.reload} />`;
  else if (!mon.data) body = html`<${Loading} />`;
  else if (mon.data.length === 0) body = html`<p class="muted">The status page has no monitors.</p>`;
  else {
    body = html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="dash-monitors"><table class="monitors">
      <thead><tr><th scope="col">Monitor</th><th scope="col">Group</th><th scope="col">Status</th><th scope="col">Uptime (24 h)</th><th scope="col">Ping</th></tr></thead>
      <tbody>${mon.data.map((m) => html`<tr key=${m.id}>
        <td>${m.name}</td><td>${m.group || "–"}</td><td><${Badge} status=${m.status} /></td>
        <td>${typeof m.uptime24h === "number" ? `${m.uptime24h.toFixed(2)} %` : "–"}</td>
        <td>${m.pingMs != null ? `${m.pingMs} ms` : "–"}</td>
      </tr>`)}</tbody>
    </table></div>`;
  }
  return html`<section aria-labelledby="dash-monitors">
    <h2 id="dash-monitors">Monitors</h2>
    ${body}
  </section>`;
}

function Numbers({ st }) {
  const r = st.requests || {}, d = st.downloads || {};
  return html`<dl class="kv">
    <dt>Requests</dt><dd>${r.total ?? 0}</dd>
    <dt>Pending</dt><dd>${r.pending ?? 0}</dd>
    <dt>Available</dt><dd>${r.available ?? 0}</dd>
    <dt>Declined or failed</dt><dd>${(r.declined ?? 0) + (r.failed ?? 0)}</dd>
    <dt>Downloads</dt><dd>${d.total ?? 0}</dd>
    <dt>Active</dt><dd>${d.active ?? 0}</dd>
    <dt>Completed</dt><dd>${d.completed ?? 0}</dd>
    <dt>Failed</dt><dd>${d.failed ?? 0}</dd>
  </dl>`;
}

function Recent({ items }) {
  if (!items.length) return html`<p class="muted">Nothing was added recently, or Plex cannot be reached.</p>`;
  return html`<ul class="grid dash-recent">${items.map((it) => html`<li key=${it.ratingKey}>
    <${Link} class="tile" to=${`/library/${it.librarySectionId}/items/${it.ratingKey}`}>
      <${Poster} src=${it.thumbUrl} alt="" width=${150} height=${225} />
      <span class="tile-title">${it.parentTitle ? `${it.parentTitle}: ` : ""}${it.title}</span>
      ${it.year && html`<span class="muted">${it.year}</span>`}
    <//>
  </li>`)}</ul>`;
}
