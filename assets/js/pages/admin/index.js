// The admin overview: the instance's numbers at a glance, the way to every
// admin page, and the notice banner that every signed-in page shows.
import { del, get, put } from "../../api.js";
import { html, useEffect, useState } from "../../lib.js";
import { notice, useStore } from "../../store.js";
import { announce, Async, fmtBytes, Page, statusWord, Time, useAction, useAsync } from "../../ui.js";
import { errorWords, Field } from "./forms.js";
import { AdminNav } from "./nav.js";

export default function AdminOverview() {
  const stats = useAsync((signal) => get("/admin/stats", null, { signal }), []);
  return html`<${Page} title="Admin">
    <${AdminNav} />
    <${Async} state=${stats}>${(s) => html`<div class="cards">
      <section class="card" aria-labelledby="st-users"><h2 id="st-users">Users</h2>
        <dl class="kv"><dt>Accounts</dt><dd>${s.users.total}</dd><dt>Active in 30 days</dt><dd>${s.users.active30d}</dd></dl></section>
      <section class="card" aria-labelledby="st-req"><h2 id="st-req">Requests</h2>
        <dl class="kv">${Object.entries(s.requests).map(([k, v]) => html`<dt>${k === "total" ? "Total" : statusWord(k)}</dt><dd>${v}</dd>`)}</dl></section>
      <section class="card" aria-labelledby="st-dl"><h2 id="st-dl">Downloads</h2>
        <dl class="kv">${Object.entries(s.downloads).map(([k, v]) => html`<dt>${k === "total" ? "Total" : statusWord(k)}</dt><dd>${v}</dd>`)}</dl></section>
      <section class="card" aria-labelledby="st-disk"><h2 id="st-disk">Storage</h2>
        <dl class="kv"><dt>Downloaded files</dt><dd>${fmtBytes(s.storage.downloadBytes)}</dd></dl></section>
    </div>`}<//>
    <${NoticeEditor} />
  <//>`;
}

/**
 * NoticeEditor sets the banner every signed-in page shows. The shell's
 * banner follows the notice event, so saving here changes it for everyone.
 */
function NoticeEditor() {
  const loaded = useAsync((signal) => get("/notice", null, { signal }), []);
  const live = useStore(notice);
  const [message, setMessage] = useState("");
  const [level, setLevel] = useState("info");
  useEffect(() => {
    // The form starts from the notice as the server has it.
    if (loaded.data) {
      setMessage(loaded.data.message);
      setLevel(loaded.data.level);
    }
  }, [loaded.data]);
  const current = loaded.data === undefined ? undefined : live;
  const save = useAction(async () => {
    const r = await put("/admin/notice", { message: message.trim(), level });
    notice.set(r.data);
    announce("Notice saved: every signed-in page shows it now");
  });
  const clear = useAction(async () => {
    await del("/admin/notice");
    notice.set(null);
    setMessage("");
    setLevel("info");
    announce("Notice cleared");
  });
  const err = save.error || clear.error;
  return html`<section class="card notice-editor" aria-labelledby="notice-h">
    <h2 id="notice-h">Notice</h2>
    <p class="hint">A short message shown at the top of every signed-in page, such as planned maintenance.</p>
    <div role="status">${current === undefined
      ? (loaded.error ? html`<p class="error">${loaded.error.message}</p>` : html`<p class="muted">Loading the notice…</p>`)
      : current && current.message
        ? html`<p>Shown now (${statusWord(current.level)}, <${Time} iso=${current.updatedAt} ago />): ${current.message}</p>`
        : html`<p class="muted">No notice is shown.</p>`}</div>
    <form class="form" onSubmit=${(e) => { e.preventDefault(); save.run(); }}>
      <${Field} label="Notice message" error=${save.error?.fieldError?.("message")}>${(id, d) => html`<textarea id=${id} aria-describedby=${d}
        required maxlength="500" rows="3" value=${message} onInput=${(e) => setMessage(e.currentTarget.value)}></textarea>`}<//>
      <${Field} label="Level">${(id, d) => html`<select id=${id} aria-describedby=${d} value=${level} onChange=${(e) => setLevel(e.currentTarget.value)}>
        <option value="info">Info</option><option value="warning">Warning</option><option value="critical">Critical</option></select>`}<//>
      ${err && html`<p class="error" role="alert">${errorWords(err, { message: "Notice message", level: "Level" })}</p>`}
      <div class="row">
        <button type="submit" class="btn btn-primary" disabled=${save.busy || !message.trim()}>${save.busy ? "Saving…" : "Save notice"}</button>
        <button type="button" class="btn" disabled=${clear.busy || !(current && current.message)} onClick=${() => clear.run()}>${clear.busy ? "Clearing…" : "Clear notice"}</button>
      </div>
    </form>
  </section>`;
}
