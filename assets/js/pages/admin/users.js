// Admin → Users: find accounts, change their role, status, quotas and
// download approval, add local accounts and delete accounts.
import { del, get, patch, post } from "../../api.js";
import { useEvent } from "../../events.js";
import { html, useEffect, useState } from "../../lib.js";
import { setQuery } from "../../router.js";
import {
  announce, Async, Badge, confirm, Modal, Page, Pager, Time, useAction, useAsync, useDebounced,
} from "../../ui.js";
import { errorWords, Field } from "./forms.js";
import { AdminNav } from "./nav.js";

const PAGE_SIZE = 25;

/** nameOf is how a user is called on this page. */
const nameOf = (u) => u.displayName || u.username;

export default function Users({ query, user: me }) {
  const search = query.get("search") || "";
  const role = query.get("role") || "";
  const status = query.get("status") || "";
  const page = Number(query.get("page")) || 1;
  const [text, setText] = useState(search);
  const typed = useDebounced(text, 300);
  useEffect(() => {
    if (typed !== search) setQuery({ search: typed.trim(), page: null }, { replace: true });
  }, [typed]);
  useEffect(() => {
    // Back/forward or a link changed the URL: the box follows it.
    if (search !== typed) setText(search);
  }, [search]);

  const list = useAsync(
    (signal) => get("/admin/users", { search, role, status, page, pageSize: PAGE_SIZE }, { signal }),
    [search, role, status, page],
  );
  // Nothing streams account changes; after a dropped stream the list may
  // be stale like every other view, so it reloads with them.
  useEvent("reconnect", list.reload);
  const [editing, setEditing] = useState(null);
  const [adding, setAdding] = useState(false);

  const remove = async (u) => {
    const ok = await confirm({
      title: `Delete ${nameOf(u)}?`,
      message: "Their requests, downloads, sessions and API tokens are deleted with the account. Downloaded files are kept on disk.",
      confirmLabel: "Delete user",
      danger: true,
    });
    if (!ok) return;
    try {
      await del(`/admin/users/${u.id}`);
      announce(`Deleted ${nameOf(u)}`);
      list.reload();
    } catch (e) {
      announce(`${nameOf(u)} was not deleted: ${e.message}`);
    }
  };

  const filtered = search || role || status;
  return html`<${Page} title="Users" actions=${html`<button type="button" class="btn btn-primary" onClick=${() => setAdding(true)}>Add user</button>`}>
    <${AdminNav} />
    <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <label>Search users
        <input type="search" value=${text} onInput=${(e) => setText(e.currentTarget.value)} placeholder="Name or e-mail" /></label>
      <label>Role
        <select value=${role} onChange=${(e) => setQuery({ role: e.currentTarget.value, page: null })}>
          <option value="">Any role</option><option value="user">User</option><option value="admin">Admin</option>
        </select></label>
      <label>Status
        <select value=${status} onChange=${(e) => setQuery({ status: e.currentTarget.value, page: null })}>
          <option value="">Any status</option><option value="active">Active</option><option value="disabled">Disabled</option>
        </select></label>
    </form>
    <${Async} state=${list} empty=${filtered ? "No user matches these filters." : "There are no users yet."}>${(users, meta) => html`
      <p class="muted">${meta?.total ?? users.length} ${(meta?.total ?? users.length) === 1 ? "user" : "users"}</p>
      <div class="table-wrap"><table class="data-table">
        <caption class="visually-hidden">Users</caption>
        <thead><tr>
          <th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Provider</th><th scope="col">Role</th>
          <th scope="col">Status</th><th scope="col">Requests</th><th scope="col">Downloads</th>
          <th scope="col">Request quota</th><th scope="col">Download quota</th><th scope="col">Last sign-in</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr></thead>
        <tbody>${users.map((u) => html`<tr key=${u.id}>
          <td><strong>${nameOf(u)}</strong>${u.displayName && u.displayName !== u.username && html`<br /><span class="muted">${u.username}</span>`}</td>
          <td>${u.email || html`<span class="muted">–</span>`}</td>
          <td>${u.provider === "plex" ? "Plex" : "Local"}</td>
          <td>${u.role === "admin" ? "Admin" : "User"}</td>
          <td><${Badge} status=${u.status} /></td>
          <td>${u.requestCount}</td>
          <td>${u.downloadCount}</td>
          <td>${u.requestQuota ?? html`<span class="muted">default</span>`}</td>
          <td>${u.downloadQuota ?? html`<span class="muted">default</span>`}</td>
          <td>${u.lastLoginAt ? html`<${Time} iso=${u.lastLoginAt} ago />` : html`<span class="muted">never</span>`}</td>
          <td class="actions-cell">
            <button type="button" class="btn btn-small" aria-label=${`Edit ${u.username}`} onClick=${() => setEditing(u)}>Edit</button>
            ${u.id !== me?.id && html`<button type="button" class="btn btn-small btn-danger" aria-label=${`Delete ${u.username}`} onClick=${() => remove(u)}>Delete</button>`}
          </td>
        </tr>`)}</tbody>
      </table></div>
      <${Pager} meta=${meta} onPage=${(p) => setQuery({ page: p })} label="Pages of users" />`}<//>
    <${Modal} open=${!!editing} title=${editing ? `Edit ${nameOf(editing)}` : "Edit user"} onClose=${() => setEditing(null)}>
      ${editing && html`<${EditUser} u=${editing} self=${editing.id === me?.id} onDone=${(saved) => {
        setEditing(null);
        if (saved) list.setData((us) => us.map((x) => (x.id === saved.id ? saved : x)));
      }} />`}
    <//>
    <${Modal} open=${adding} title="Add user" onClose=${() => setAdding(false)}>
      <${AddUser} onDone=${(created) => {
        setAdding(false);
        if (created) list.reload();
      }} />
    <//>
  <//>`;
}

const quotaText = (q) => (q === null || q === undefined ? "" : String(q));
const quotaValue = (s) => (s.trim() === "" ? null : Number(s));
const approvalText = (v) => (v === null || v === undefined ? "" : v ? "yes" : "no");
const approvalValue = (s) => (s === "" ? null : s === "yes");

const EDIT_LABELS = { role: "Role", status: "Status", requestQuota: "Request quota", downloadQuota: "Download quota", requireApproval: "Downloads need approval" };

function EditUser({ u, self, onDone }) {
  const [role, setRole] = useState(u.role);
  const [status, setStatus] = useState(u.status);
  const [rq, setRq] = useState(quotaText(u.requestQuota));
  const [dq, setDq] = useState(quotaText(u.downloadQuota));
  const [approval, setApproval] = useState(approvalText(u.requireApproval));
  const save = useAction(async () => {
    // Only what changed: an unchanged role or status must not end the
    // user's sessions, and an admin may save their own quotas.
    const body = {};
    if (role !== u.role) body.role = role;
    if (status !== u.status) body.status = status;
    if (quotaValue(rq) !== (u.requestQuota ?? null)) body.requestQuota = quotaValue(rq);
    if (quotaValue(dq) !== (u.downloadQuota ?? null)) body.downloadQuota = quotaValue(dq);
    if (approvalValue(approval) !== (u.requireApproval ?? null)) body.requireApproval = approvalValue(approval);
    if (Object.keys(body).length === 0) return onDone(null);
    const r = await patch(`/admin/users/${u.id}`, body);
    announce(`Saved ${nameOf(u)}`);
    onDone(r.data);
  });
  const fe = (f) => save.error?.fieldError?.(f);
  return html`<form class="form" onSubmit=${(e) => { e.preventDefault(); save.run(); }}>
    ${self && html`<p class="hint">This is your own account: you cannot remove your admin role or disable it.</p>`}
    <${Field} label="Role" error=${fe("role")}>${(id, d) => html`<select id=${id} aria-describedby=${d} value=${role} onChange=${(e) => setRole(e.currentTarget.value)}>
      <option value="user">User</option><option value="admin">Admin</option></select>`}<//>
    <${Field} label="Status" hint="Disabling signs the user out everywhere at once." error=${fe("status")}>${(id, d) => html`<select id=${id} aria-describedby=${d} value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
      <option value="active">Active</option><option value="disabled">Disabled</option></select>`}<//>
    <${Field} label="Request quota" hint="Media requests per quota window; empty for the server's default." error=${fe("requestQuota")}>${(id, d) => html`<input id=${id} aria-describedby=${d}
      type="number" min="0" max="1000000" step="1" inputmode="numeric" value=${rq} onInput=${(e) => setRq(e.currentTarget.value)} />`}<//>
    <${Field} label="Download quota" hint="Downloads per quota window; empty for the server's default." error=${fe("downloadQuota")}>${(id, d) => html`<input id=${id} aria-describedby=${d}
      type="number" min="0" max="1000000" step="1" inputmode="numeric" value=${dq} onInput=${(e) => setDq(e.currentTarget.value)} />`}<//>
    <${Field} label="Downloads need approval" error=${fe("requireApproval")}>${(id, d) => html`<select id=${id} aria-describedby=${d} value=${approval} onChange=${(e) => setApproval(e.currentTarget.value)}>
      <option value="">Server default</option><option value="yes">Yes, an admin approves each</option><option value="no">No</option></select>`}<//>
    ${save.error && html`<p class="error" role="alert">${errorWords(save.error, EDIT_LABELS)}</p>`}
    <div class="dialog-actions">
      <button type="button" class="btn" onClick=${() => onDone(null)}>Cancel</button>
      <button type="submit" class="btn btn-primary" disabled=${save.busy}>${save.busy ? "Saving…" : "Save"}</button>
    </div>
  </form>`;
}

const ADD_LABELS = { username: "Username", password: "Password", role: "Role", email: "E-mail" };

function AddUser({ onDone }) {
  const [f, setF] = useState({ username: "", password: "", role: "user", email: "" });
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const add = useAction(async () => {
    const body = { username: f.username.trim(), password: f.password, role: f.role };
    if (f.email.trim()) body.email = f.email.trim();
    try {
      const r = await post("/admin/users", body);
      announce(`Added ${r.data.username}`);
      onDone(r.data);
    } catch (e) {
      if (e.status === 409) e.message = `A user called ${body.username} exists already: choose another username.`;
      throw e;
    }
  });
  const fe = (k) => add.error?.fieldError?.(k);
  const short = f.password.length > 0 && f.password.length < 10;
  return html`<form class="form" onSubmit=${(e) => { e.preventDefault(); add.run(); }}>
    <${Field} label="Username" error=${fe("username")}>${(id, d) => html`<input id=${id} aria-describedby=${d}
      required autocomplete="off" autocapitalize="none" spellcheck="false" value=${f.username} onInput=${set("username")} />`}<//>
    <${Field} label="Password" hint="At least 10 characters." error=${fe("password") || (short ? "This password is too short." : "")}>${(id, d) => html`<input id=${id} aria-describedby=${d}
      type="password" required minlength="10" autocomplete="new-password" value=${f.password} onInput=${set("password")} />`}<//>
    <${Field} label="Role">${(id, d) => html`<select id=${id} aria-describedby=${d} value=${f.role} onChange=${set("role")}>
      <option value="user">User</option><option value="admin">Admin</option></select>`}<//>
    <${Field} label="E-mail" hint="Optional." error=${fe("email")}>${(id, d) => html`<input id=${id} aria-describedby=${d}
      type="email" autocomplete="off" value=${f.email} onInput=${set("email")} />`}<//>
    ${add.error && html`<p class="error" role="alert">${errorWords(add.error, ADD_LABELS)}</p>`}
    <div class="dialog-actions">
      <button type="button" class="btn" onClick=${() => onDone(null)}>Cancel</button>
      <button type="submit" class="btn btn-primary" disabled=${add.busy}>${add.busy ? "Creating…" : "Create user"}</button>
    </div>
  </form>`;
}
