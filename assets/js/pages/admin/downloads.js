// All downloads: every user's queue with the same live progress, filters by
// status and user, and approve / decline for downloads awaiting approval.
import { get } from "../../api.js";
import { html } from "../../lib.js";
import { setQuery } from "../../router.js";
import { Async, Page, Pager, useAsync } from "../../ui.js";
import { DownloadList, StatusFilter, useLiveDownloads } from "../download-list.js";
import { AdminNav } from "./nav.js";

export default function AdminDownloads({ query }) {
  const status = query.get("status") || "";
  const userId = query.get("userId") || "";
  const page = Number(query.get("page")) || 1;
  const list = useAsync((signal) => get("/admin/downloads", { status, userId, page, pageSize: 20 }, { signal }), [status, userId, page]);
  const users = useAsync((signal) => get("/admin/users", { pageSize: 100 }, { signal }), []);
  useLiveDownloads(list, (d) => page === 1 && (!status || d.status === status) && (!userId || String(d.userId) === userId));

  const change = (d) => list.setData((xs) => (xs || []).map((x) => (x.id === d.id ? { ...x, ...d, items: d.items ?? x.items } : x)));
  const remove = (id) => list.setData((xs) => (xs || []).filter((x) => x.id !== id));

  return html`<${Page} title="All downloads">
    <${AdminNav} />
    <div class="filters">
      <${StatusFilter} value=${status} onChange=${(v) => setQuery({ status: v, page: null })} />
      <label>User
        <select value=${userId} onChange=${(e) => setQuery({ userId: e.currentTarget.value, page: null })}>
          <option value="">Everyone</option>
          ${(users.data || []).map((u) => html`<option value=${String(u.id)}>${u.username}</option>`)}
          ${userId && !(users.data || []).some((u) => String(u.id) === userId) && html`<option value=${userId}>User ${userId}</option>`}
        </select></label>
    </div>
    <${Async} state=${list} label="Loading downloads…" empty=${status || userId ? "No downloads match these filters." : "No one has downloaded anything yet."}>
      ${(xs, meta) => html`<${DownloadList} list=${xs} admin=${true} onChange=${change} onRemove=${remove} />
        <${Pager} meta=${meta} onPage=${(p) => setQuery({ page: p })} label="Pages of downloads" />`}
    <//>
  <//>`;
}
