// The admin overview: the instance's numbers at a glance and the way to
// every admin page.
import { get } from "../../api.js";
import { html } from "../../lib.js";
import { Async, fmtBytes, Page, statusWord, useAsync } from "../../ui.js";
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
  <//>`;
}
