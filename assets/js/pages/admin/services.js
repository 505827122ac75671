// Admin → Services: the connection settings of Plex, Overseerr and Uptime
// Kuma. A service the config file sets is shown read-only with the keys to
// edit; the others can be tested and saved here. Keys are never shown, only
// whether one is stored.
import { get, post, put } from "../../api.js";
import { html, useState } from "../../lib.js";
import { announce, Async, Page, Time, useAction, useAsync } from "../../ui.js";
import { errorWords, Field } from "./forms.js";
import { AdminNav } from "./nav.js";

/** What each service is called and where the config file sets it. */
const INFO = {
  plex: { title: "Plex Media Server", section: "plex", key: "token", keyLabel: "Token", keyHint: "The server owner's Plex token." },
  overseerr: { title: "Overseerr", section: "overseerr", key: "api_key", keyLabel: "API key", keyHint: "Overseerr → Settings → General." },
  uptime_kuma: { title: "Uptime Kuma", section: "uptime_kuma", key: "api_key", keyLabel: "API key", keyHint: "Only needed for Uptime Kuma's metrics." },
};
const info = (name) => INFO[name] || { title: name, section: name, key: "api_key", keyLabel: "API key", keyHint: "" };

export default function Services() {
  const list = useAsync((signal) => get("/admin/services", null, { signal }), []);
  const replace = (svc) => list.setData((all) => all.map((s) => (s.name === svc.name ? svc : s)));
  return html`<${Page} title="Services">
    <${AdminNav} />
    <${Async} state=${list} empty="No services are known to this server.">${(all) => html`<div class="stack">
      ${all.map((s) => html`<${ServiceCard} key=${s.name} svc=${s} onSaved=${replace} />`)}
    </div>`}<//>
  <//>`;
}

function ServiceCard({ svc, onSaved }) {
  const i = info(svc.name);
  const id = `svc-${svc.name}`;
  return html`<section class="card svc" aria-labelledby=${id}>
    <h2 id=${id}>${i.title}</h2>
    <dl class="kv">
      <dt>URL</dt><dd class="break">${svc.url || html`<span class="muted">not set</span>`}</dd>
      <dt>Enabled</dt><dd>${svc.enabled ? "Yes" : "No"}</dd>
      <dt>${i.keyLabel}</dt><dd>${svc.hasApiKey ? "Key stored" : html`<span class="muted">No key stored</span>`}</dd>
      ${svc.name === "uptime_kuma" && html`<dt>Status page</dt><dd>${svc.options?.statusPage || html`<span class="muted">not set</span>`}</dd>`}
      <dt>Managed by</dt><dd>${svc.source === "config" ? "The config file" : "This page (stored in the database)"}</dd>
      ${svc.updatedAt && html`<dt>Changed</dt><dd><${Time} iso=${svc.updatedAt} /></dd>`}
    </dl>
    ${svc.keyUnreadable && html`<p class="warn-box" role="alert"><strong>Warning:</strong> The stored key cannot be read with this server's secret key: enter it again.</p>`}
    ${svc.source === "config"
      ? html`<p class="info">${`The config file manages ${i.title}, so it is read-only here. To change it, edit `}<code>url</code>${" and "}<code>${i.key}</code>${" under "}<code>[${i.section}]</code>${" in the config file (or set "}<code>MEDIANEST_${i.section.toUpperCase()}_URL</code>${" and "}<code>MEDIANEST_${i.section.toUpperCase()}_${i.key.toUpperCase()}</code>${"), then restart MediaNest. Remove the URL from the file to manage it here instead."}</p>`
      : html`<${ServiceForm} svc=${svc} i=${i} onSaved=${onSaved} />`}
  </section>`;
}

const LABELS = { url: "URL", apiKey: "Key", enabled: "Enabled", "options.statusPage": "Status page" };

function ServiceForm({ svc, i, onSaved }) {
  const [url, setURL] = useState(svc.url || "");
  const [key, setKey] = useState("");
  const [enabled, setEnabled] = useState(svc.url ? svc.enabled : true);
  const [slug, setSlug] = useState(svc.options?.statusPage || "");
  const [result, setResult] = useState(null);
  const body = () => {
    const b = { url: url.trim(), enabled };
    if (key) b.apiKey = key;
    if (svc.name === "uptime_kuma") b.options = { statusPage: slug.trim() };
    return b;
  };
  const test = useAction(async () => {
    setResult(null);
    const r = await post(`/admin/services/${svc.name}/test`, body());
    setResult(r.data);
  });
  const save = useAction(async () => {
    const r = await put(`/admin/services/${svc.name}`, body());
    setKey("");
    onSaved(r.data);
    announce(`Saved ${i.title}`);
  });
  const err = save.error || test.error;
  const fe = (f) => err?.fieldError?.(f);
  const p = svc.name;
  return html`<form class="form svc-form" onSubmit=${(e) => { e.preventDefault(); save.run(); }}>
    <h3 class="visually-hidden">Change ${i.title}</h3>
    <${Field} label=${html`<span class="visually-hidden">${i.title} </span>URL`} error=${fe("url")}>${(id, d) => html`<input id=${id} aria-describedby=${d}
      type="url" required=${enabled} autocomplete="off" spellcheck="false" value=${url} onInput=${(e) => setURL(e.currentTarget.value)}
      placeholder=${p === "plex" ? "http://192.168.1.10:32400" : p === "overseerr" ? "http://overseerr:5055" : "http://uptime-kuma:3001"} />`}<//>
    <${Field} label=${html`<span class="visually-hidden">${i.title} </span>${i.keyLabel}`} error=${fe("apiKey")}
      hint=${svc.hasApiKey ? "Leave empty to keep the stored key; it is kept only while the URL's scheme, host and port stay the same." : i.keyHint}>${(id, d) => html`<input id=${id} aria-describedby=${d}
      type="password" autocomplete="new-password" spellcheck="false" value=${key} onInput=${(e) => setKey(e.currentTarget.value)} />`}<//>
    ${p === "uptime_kuma" && html`<${Field} label=${html`<span class="visually-hidden">${i.title} </span>Status page`} error=${fe("options.statusPage")}
      hint="The slug of the status page whose monitors the dashboard shows.">${(id, d) => html`<input id=${id} aria-describedby=${d}
      autocomplete="off" autocapitalize="none" spellcheck="false" value=${slug} onInput=${(e) => setSlug(e.currentTarget.value)} />`}<//>`}
    <label class="check"><input type="checkbox" checked=${enabled} onChange=${(e) => setEnabled(e.currentTarget.checked)} />
      <span><span class="visually-hidden">${i.title} </span>Enabled</span></label>
    ${err && html`<p class="error" role="alert">${errorWords(err, LABELS)}</p>`}
    <div class="svc-result" role="status">${result && html`<${TestResult} r=${result} />`}</div>
    <div class="row">
      <button type="button" class="btn" disabled=${test.busy} aria-label=${`Test ${i.title}`} onClick=${() => test.run()}>${test.busy ? "Testing…" : "Test"}</button>
      <button type="submit" class="btn btn-primary" disabled=${save.busy} aria-label=${`Save ${i.title}`}>${save.busy ? "Saving…" : "Save"}</button>
    </div>
  </form>`;
}

function TestResult({ r }) {
  if (!r.ok) return html`<p class="warn-box"><strong>Failed:</strong> ${r.message || "The service did not answer as expected."}</p>`;
  return html`<p class="ok-box"><strong>OK</strong> in ${r.latencyMs} ms${r.version ? `, version ${r.version}` : ""}${r.message ? `. ${r.message}` : ""}</p>`;
}
