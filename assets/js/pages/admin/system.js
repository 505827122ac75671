// Admin → System: what runs, for how long, on which database, and how busy
// the download queue is.
import { get } from "../../api.js";
import { html } from "../../lib.js";
import { Async, fmtBytes, Page, useAsync } from "../../ui.js";
import { AdminNav } from "./nav.js";

/** uptimeWords: 93784 → "1 d 2 h 3 min". */
export function uptimeWords(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const parts = [];
  if (d) parts.push(`${d} d`);
  if (h) parts.push(`${h} h`);
  if (m || !parts.length) parts.push(s < 60 ? `${s} s` : `${m} min`);
  return parts.join(" ");
}

export default function System() {
  const sys = useAsync((signal) => get("/admin/system", null, { signal }), []);
  return html`<${Page} title="System" actions=${html`<button type="button" class="btn" disabled=${sys.loading} onClick=${sys.reload}>Refresh</button>`}>
    <${AdminNav} />
    <${Async} state=${sys}>${(s) => html`<div class="cards">
      <section class="card" aria-labelledby="sys-run"><h2 id="sys-run">Server</h2>
        <dl class="kv">
          <dt>Version</dt><dd>${s.version}</dd>
          <dt>Go version</dt><dd>${s.goVersion}</dd>
          <dt>Uptime</dt><dd>${uptimeWords(s.uptimeSeconds)}</dd>
          <dt>Cached sessions</dt><dd>${s.sessionsCached}</dd>
        </dl></section>
      <section class="card" aria-labelledby="sys-db"><h2 id="sys-db">Database</h2>
        <dl class="kv">
          <dt>Path</dt><dd class="break"><code>${s.database.path}</code></dd>
          <dt>Size</dt><dd>${fmtBytes(s.database.sizeBytes)}</dd>
          <dt>Schema version</dt><dd>${s.database.schemaVersion}</dd>
          <dt>Journal mode</dt><dd>${s.database.journalMode}</dd>
        </dl></section>
      <section class="card" aria-labelledby="sys-queue"><h2 id="sys-queue">Download queue</h2>
        <dl class="kv">
          <dt>Queued</dt><dd>${s.queue.queued}</dd>
          <dt>Active</dt><dd>${s.queue.active}</dd>
        </dl></section>
    </div>`}<//>
  <//>`;
}
