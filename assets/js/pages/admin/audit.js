// Admin → Audit log: who did what, when and from where, newest first,
// filtered by action (a whole group such as every sign-in, or one action).
import { get } from "../../api.js";
import { useEvent } from "../../events.js";
import { html } from "../../lib.js";
import { setQuery } from "../../router.js";
import { Async, Page, Pager, Time, useAsync } from "../../ui.js";
import { AdminNav } from "./nav.js";

const PAGE_SIZE = 50;

/** The actions API.md lists, grouped; a group filters by its prefix. */
const GROUPS = [
  ["auth.", "Sign-ins", ["auth.login", "auth.login_failed", "auth.logout"]],
  ["user.", "Users", ["user.create", "user.update", "user.delete"]],
  ["service.", "Services", ["service.update"]],
  ["request.", "Requests", ["request.approve", "request.decline"]],
  ["download.", "Downloads", ["download.approve", "download.decline", "download.delete"]],
  ["notice.", "Notice", ["notice.update"]],
  ["backup.", "Backups", ["backup.create"]],
  ["token.", "API tokens", ["token.create", "token.delete"]],
];

export default function Audit({ query }) {
  const action = query.get("action") || "";
  const page = Number(query.get("page")) || 1;
  const list = useAsync((signal) => get("/admin/audit", { action, page, pageSize: PAGE_SIZE }, { signal }), [action, page]);
  useEvent("reconnect", list.reload);
  const known = GROUPS.some(([p, , acts]) => p === action || acts.includes(action));
  return html`<${Page} title="Audit log">
    <${AdminNav} />
    <div class="filters">
      <label>Action
        <select value=${action} onChange=${(e) => setQuery({ action: e.currentTarget.value, page: null })}>
          <option value="">All actions</option>
          ${!known && action && html`<option value=${action}>${action}</option>`}
          ${GROUPS.map(([prefix, label, acts]) => html`<optgroup label=${label}>
            <option value=${prefix}>${label}: every ${prefix}* action</option>
            ${acts.map((a) => html`<option value=${a}>${a}</option>`)}
          </optgroup>`)}
        </select></label>
    </div>
    <${Async} state=${list} empty=${action ? "No entry has this action." : "The audit log is empty."}>${(rows, meta) => html`
      <div class="table-wrap" tabindex="0" role="region" aria-label="Audit log entries table"><table class="data-table">
        <caption class="visually-hidden">Audit log entries, newest first</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th>
          <th scope="col">Target</th><th scope="col">Details</th><th scope="col">IP</th></tr></thead>
        <tbody>${rows.map((r) => html`<tr key=${r.id}>
          <td class="nowrap"><${Time} iso=${r.createdAt} /></td>
          <td>${r.actorName || html`<span class="muted">${r.actorId ? `#${r.actorId}` : "system"}</span>`}</td>
          <td><code>${r.action}</code></td>
          <td>${r.target || html`<span class="muted">–</span>`}</td>
          <td class="wrap">${r.details || html`<span class="muted">–</span>`}</td>
          <td>${r.ip || html`<span class="muted">–</span>`}</td>
        </tr>`)}</tbody>
      </table></div>
      <${Pager} meta=${meta} onPage=${(p) => setQuery({ page: p })} label="Pages of the audit log" />`}<//>
  <//>`;
}
