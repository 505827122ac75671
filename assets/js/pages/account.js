// Account: who I am, where I am signed in (with sign-out per session and
// everywhere), my API tokens (the secret is shown once, right after it is
// made) and, for local accounts, the password.
import { del, get, post } from "../api.js";
import { html, useRef, useState } from "../lib.js";
import { navigate, setQuery } from "../router.js";
import { session } from "../store.js";
import { announce, Async, confirm, ErrorBox, Page, Pager, statusWord, Time, useAction, useAsync } from "../ui.js";

const SESSIONS_PAGE = 10;
const MIN_PASSWORD = 10;

export default function Account({ user, query }) {
  const page = Math.max(1, parseInt(query.get("page"), 10) || 1);
  const sessions = useAsync((signal) => get("/auth/sessions", { page, pageSize: SESSIONS_PAGE }, { signal }), [page]);
  return html`<${Page} title="Account">
    <${Profile} user=${user} />
    <${Sessions} state=${sessions} />
    <${Tokens} />
    <${Password} user=${user} onChanged=${sessions.reload} />
  <//>`;
}

function Profile({ user }) {
  return html`<section class="card" aria-labelledby="acct-profile">
    <h2 id="acct-profile">Profile</h2>
    <dl class="kv">
      <dt>Name</dt><dd>${user.displayName || user.username}</dd>
      <dt>Username</dt><dd>${user.username}</dd>
      <dt>E-mail</dt><dd>${user.email || html`<span class="muted">none</span>`}</dd>
      <dt>Role</dt><dd>${statusWord(user.role)}</dd>
      <dt>Signs in with</dt><dd>${user.provider === "plex" ? "Plex" : "a MediaNest password"}</dd>
      ${user.createdAt && html`<dt>Member since</dt><dd><${Time} iso=${user.createdAt} /></dd>`}
    </dl>
  </section>`;
}

/**
 * device says in words what a User-Agent is: "Firefox on Windows",
 * "Safari on iPhone", "curl". Good enough to tell one's devices apart.
 */
export function device(ua) {
  if (!ua) return "Unknown device";
  const browser = [
    [/Edg(e|A|iOS)?\//, "Edge"], [/OPR\/|Opera/, "Opera"], [/Firefox\/|FxiOS\//, "Firefox"],
    [/SamsungBrowser\//, "Samsung Internet"], [/Chrome\/|Chromium\/|CriOS\//, "Chrome"],
    [/Safari\//, "Safari"], [/^curl\//, "curl"], [/^Wget\//, "Wget"], [/python-requests|^Python/, "Python"],
    [/^Go-http-client/, "Go program"],
  ].find(([re]) => re.test(ua))?.[1];
  const os = [
    [/iPhone/, "iPhone"], [/iPad/, "iPad"], [/Android/, "Android"], [/CrOS/, "ChromeOS"],
    [/Windows/, "Windows"], [/Mac OS X|Macintosh/, "macOS"], [/Linux/, "Linux"],
  ].find(([re]) => re.test(ua))?.[1];
  if (browser && os) return `${browser} on ${os}`;
  return browser || os || ua.slice(0, 60);
}

function Sessions({ state }) {
  const end = useAction(async (s) => {
    const ok = await confirm({
      title: "Sign out this session?",
      message: `${device(s.userAgent)} (${s.ip || "unknown address"}) will be signed out and has to sign in again.`,
      confirmLabel: "End session", danger: true,
    });
    if (!ok) return;
    await del(`/auth/sessions/${s.id}`);
    state.setData((list) => list.filter((x) => x.id !== s.id));
    announce(`Signed out ${device(s.userAgent)}.`);
    state.reload();
  });
  const everywhere = useAction(async () => {
    const ok = await confirm({
      title: "Sign out everywhere?",
      message: "Every session of your account ends, this one too. You will have to sign in again on each device.",
      confirmLabel: "Yes, sign out everywhere", danger: true,
    });
    if (!ok) return;
    await post("/auth/logout", { allSessions: true });
    announce("Signed out everywhere.");
    session.set(null);
    navigate("/login", { replace: true });
  });
  const meta = state.meta;
  return html`<section aria-labelledby="acct-sessions">
    <h2 id="acct-sessions">Sessions</h2>
    <p class="hint">Where your account is signed in, newest first. Sign out a device you do not know or no longer use.</p>
    <${ErrorBox} error=${end.error || everywhere.error} />
    <${Async} state=${state} label="Loading your sessions…" empty="No sessions.">
      ${(list) => html`<div class="table-wrap"><table class="acct-table">
        <caption class="visually-hidden">Your sessions</caption>
        <thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Last seen</th><th scope="col" class="acct-wide">Signed in</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
        <tbody>${list.map((s) => html`<tr key=${s.id}>
          <td>${device(s.userAgent)}</td>
          <td class="acct-nowrap">${s.ip || "–"}</td>
          <td class="acct-nowrap"><${Time} iso=${s.lastSeenAt} ago /></td>
          <td class="acct-wide"><${Time} iso=${s.createdAt} /></td>
          <td>${s.current
            ? html`<strong>This device</strong>`
            : html`<button type="button" class="btn btn-small" disabled=${end.busy}
                aria-label=${`Sign out session on ${device(s.userAgent)} from ${s.ip || "an unknown address"}`}
                onClick=${() => end.run(s)}>Sign out</button>`}</td>
        </tr>`)}</tbody>
      </table></div>
      <${Pager} meta=${meta} label="Pages of sessions" onPage=${(n) => setQuery({ page: n > 1 ? n : null })} />`}
    <//>
    <p><button type="button" class="btn btn-danger" disabled=${everywhere.busy} onClick=${() => everywhere.run()}>Sign out everywhere</button></p>
  </section>`;
}

function Tokens() {
  const tokens = useAsync((signal) => get("/auth/tokens", null, { signal }), []);
  const [made, setMade] = useState(null);
  const remove = useAction(async (t) => {
    const ok = await confirm({
      title: `Delete the token “${t.name}”?`,
      message: "Scripts and tools that use it stop working at once.",
      confirmLabel: "Delete token", danger: true,
    });
    if (!ok) return;
    await del(`/auth/tokens/${t.id}`);
    tokens.setData((list) => list.filter((x) => x.id !== t.id));
    if (made?.token.id === t.id) setMade(null);
    announce(`Token “${t.name}” deleted.`);
  });
  return html`<section aria-labelledby="acct-tokens">
    <h2 id="acct-tokens">API tokens</h2>
    <p class="hint">A token lets a script use the API as you: send it as <code>Authorization: Bearer …</code>.</p>
    <${NewToken} onMade=${(r) => {
      setMade(r);
      tokens.setData((list) => [r.token, ...(list || [])]);
    }} />
    ${made && html`<${Secret} made=${made} onDone=${() => setMade(null)} />`}
    <${ErrorBox} error=${remove.error} />
    <${Async} state=${tokens} label="Loading your tokens…" empty="You have no API tokens.">
      ${(list) => html`<div class="table-wrap"><table class="acct-table">
        <caption class="visually-hidden">Your API tokens</caption>
        <thead><tr><th scope="col">Name</th><th scope="col" class="acct-wide">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
        <tbody>${list.map((t) => html`<tr key=${t.id}>
          <td>${t.name}</td>
          <td class="acct-wide"><${Time} iso=${t.createdAt} /></td>
          <td>${t.expiresAt ? html`<${Time} iso=${t.expiresAt} />` : "never"}</td>
          <td>${t.lastUsedAt ? html`<${Time} iso=${t.lastUsedAt} ago />` : "never"}</td>
          <td><button type="button" class="btn btn-small" disabled=${remove.busy} aria-label=${`Delete token ${t.name}`}
            onClick=${() => remove.run(t)}>Delete</button></td>
        </tr>`)}</tbody>
      </table></div>`}
    <//>
  </section>`;
}

function NewToken({ onMade }) {
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    const form = e.currentTarget;
    const f = new FormData(form);
    const name = String(f.get("name")).trim();
    const days = String(f.get("days")).trim();
    const errs = {};
    if (!name) errs.name = "Give the token a name, such as the script that will use it.";
    if (days && !(/^\d+$/.test(days) && +days >= 1 && +days <= 3650)) errs.expiresInDays = "Enter a whole number of days from 1 to 3650, or leave it empty.";
    setErrors(errs);
    setError(null);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const r = await post("/auth/tokens", { name, expiresInDays: days ? Number(days) : null });
      form.reset();
      onMade(r.data);
      announce(`Token “${name}” created. Copy its secret now.`);
    } catch (err) {
      const fe = { name: err.fieldError?.("name"), expiresInDays: err.fieldError?.("expiresInDays") };
      if (fe.name || fe.expiresInDays) setErrors(fe);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card form" onSubmit=${submit} aria-labelledby="acct-newtoken" novalidate>
    <h3 id="acct-newtoken">New token</h3>
    <div class="row acct-row-top">
      <${Field} label="Token name" name="name" error=${errors.name} maxlength="100" autocomplete="off" />
      <${Field} label="Expires after (days)" name="days" error=${errors.expiresInDays} inputmode="numeric" defaultValue="90"
        hint="Leave empty for a token that does not expire." />
    </div>
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    <div><button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? "Creating…" : "Create token"}</button></div>
  </form>`;
}

/** Secret shows a new token's secret, this once, with a copy button. */
function Secret({ made, onDone }) {
  const input = useRef(null);
  const [said, setSaid] = useState("");
  const copy = async () => {
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
      await navigator.clipboard.writeText(made.secret);
      setSaid("Copied.");
      announce("Secret copied.");
    } catch {
      input.current.focus();
      input.current.select();
      setSaid("The secret is selected: press Ctrl+C (⌘C on a Mac) to copy it.");
    }
  };
  return html`<div class="card acct-secret" role="region" aria-labelledby="acct-secret-h">
    <h3 id="acct-secret-h">Secret of the token “${made.token.name}”</h3>
    <p class="info"><strong>Copy it now: you will not see it again.</strong> MediaNest keeps only a fingerprint of it; if you lose it, delete the token and create another.</p>
    <div class="row">
      <label class="field acct-secret-field">Token secret
        <input ref=${input} readonly value=${made.secret} spellcheck=${false} autocomplete="off" onFocus=${(e) => e.currentTarget.select()} />
      </label>
      <button type="button" class="btn" onClick=${copy}>Copy</button>
      <button type="button" class="btn" onClick=${onDone}>Done</button>
    </div>
    <p class="hint" role="status">${said}</p>
  </div>`;
}

/**
 * Field is a labelled input with its hint and error tied to it by
 * aria-describedby (outside the label, so they are not part of its name).
 */
function Field({ label, name, error, hint, ...attrs }) {
  const id = `acct-${name}`;
  const described = [hint && id + "-hint", error && id + "-err"].filter(Boolean).join(" ") || undefined;
  return html`<div class="acct-field">
    <label>${label}
      <input id=${id} name=${name} aria-invalid=${error ? "true" : undefined} aria-describedby=${described} ...${attrs} />
    </label>
    ${hint && html`<span class="hint" id=${id + "-hint"}>${hint}</span>`}
    ${error && html`<span class="field-error" id=${id + "-err"}>${error}</span>`}
  </div>`;
}

function Password({ user, onChanged }) {
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  if (user.provider !== "local") {
    return html`<section aria-labelledby="acct-password">
      <h2 id="acct-password">Password</h2>
      <p>Your account signs in with Plex, so it has no MediaNest password. Change your password at plex.tv.</p>
    </section>`;
  }
  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    const form = e.currentTarget;
    const f = new FormData(form);
    const current = String(f.get("current")), next = String(f.get("new")), again = String(f.get("repeat"));
    const errs = {};
    if (!current) errs.currentPassword = "Enter your current password.";
    if (next.length < MIN_PASSWORD) errs.newPassword = `Use at least ${MIN_PASSWORD} characters.`;
    else if (again !== next) errs.repeat = "The two new passwords are not the same.";
    setErrors(errs);
    setError(null);
    setDone(false);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      await post("/auth/password", { currentPassword: current, newPassword: next });
      form.reset();
      setDone(true);
      announce("Password changed. Your other sessions are signed out.");
      onChanged();
    } catch (err) {
      const fe = { currentPassword: err.fieldError?.("currentPassword"), newPassword: err.fieldError?.("newPassword") };
      if (fe.currentPassword || fe.newPassword) setErrors(fe);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<section aria-labelledby="acct-password">
    <h2 id="acct-password">Password</h2>
    <form class="card form acct-password" onSubmit=${submit} novalidate>
      <input type="text" name="username" value=${user.username} autocomplete="username" hidden readonly />
      <${Field} label="Current password" name="current" type="password" autocomplete="current-password" error=${errors.currentPassword} />
      <${Field} label="New password" name="new" type="password" autocomplete="new-password" error=${errors.newPassword}
        hint=${`At least ${MIN_PASSWORD} characters. Changing it signs out your other sessions.`} />
      <${Field} label="Repeat the new password" name="repeat" type="password" autocomplete="new-password" error=${errors.repeat} />
      ${error && html`<p class="error" role="alert">${error.message}</p>`}
      <p role="status" class=${done ? "info" : "visually-hidden"}>${done ? "Your password is changed. Your other sessions are signed out." : ""}</p>
      <div><button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? "Changing…" : "Change password"}</button></div>
    </form>
  </section>`;
}
