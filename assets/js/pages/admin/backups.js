// Admin → Backups: the database backups in backup.dir, newest first, a
// button that makes one now, and how to restore one with the CLI.
import { get, post } from "../../api.js";
import { html } from "../../lib.js";
import { announce, Async, ErrorBox, fmtBytes, Page, Time, useAction, useAsync } from "../../ui.js";
import { AdminNav } from "./nav.js";

export default function Backups() {
  const list = useAsync((signal) => get("/admin/backups", null, { signal }), []);
  const create = useAction(async () => {
    const r = await post("/admin/backups");
    list.setData((files) => [r.data, ...(files || []).filter((f) => f.name !== r.data.name)]);
    announce(`Backup ${r.data.name} created`);
  });
  const meta = list.meta || {};
  return html`<${Page} title="Backups" actions=${html`<button type="button" class="btn btn-primary" disabled=${create.busy || list.data === undefined} onClick=${() => create.run()}>
      ${create.busy ? "Creating backup…" : "Create backup"}</button>`}>
    <${AdminNav} />
    <${ErrorBox} error=${create.error} />
    ${meta.note && html`<p class="info">${meta.note}</p>`}
    <section aria-labelledby="bk-list"><h2 id="bk-list">Backup files</h2>
      ${meta.dir && html`<p class="hint">In <code>${meta.dir}</code> on the server, newest first.</p>`}
      <${Async} state=${list} empty="There are no backups yet. Create one, or let the schedule (backup.interval) make them.">${(files) => html`
        <div class="table-wrap" tabindex="0" role="region" aria-label="Backups table"><table class="data-table">
          <caption class="visually-hidden">Backups, newest first</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Created</th></tr></thead>
          <tbody>${files.map((f) => html`<tr key=${f.name}>
            <td><code>${f.name}</code></td><td class="nowrap">${fmtBytes(f.sizeBytes)}</td><td class="nowrap"><${Time} iso=${f.createdAt} /></td>
          </tr>`)}</tbody>
        </table></div>`}<//>
    </section>
    <section class="card restore" aria-labelledby="bk-restore"><h2 id="bk-restore">Restoring a backup</h2>
      <p>Restoring is done on the server with the command line, while MediaNest is stopped:</p>
      <pre><code>systemctl stop medianest
medianest backup restore /path/to/medianest-20260301T100500.000Z.db
systemctl start medianest</code></pre>
      <p class="hint"><code>backup restore</code> refuses while a server uses the data directory, checks the backup first and keeps the
        database it replaces as <code>medianest.db.before-restore</code>. Put the secret key that was in use when the backup was made
        in its place before starting the server, or the stored service keys cannot be read. See docs/backup.md.</p>
    </section>
  <//>`;
}
