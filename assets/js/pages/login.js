// Sign-in: "Sign in with Plex" (a popup on plex.tv, then polling verify)
// when Plex sign-in can work, and the local form. In the popup itself, after
// plex.tv sent it back here, the page only says it can be closed.
import { ApiError, get, post } from "../api.js";
import { html, useEffect, useRef, useState } from "../lib.js";
import { basePath } from "../router.js";
import { session } from "../store.js";
import { ErrorBox, useAsync } from "../ui.js";

export default function Login({ query, reason }) {
  return query.get("plex") === "done" ? html`<${PopupDone} />` : html`<${SignIn} reason=${reason} />`;
}

function SignIn({ reason }) {
  const providers = useAsync(() => get("/auth/providers"), []);
  useEffect(() => {
    document.title = "Sign in · MediaNest";
  }, []);
  const p = providers.data;
  return html`<main id="main" class="login">
    <div class="login-card">
      <h1>Sign in to MediaNest</h1>
      ${reason && html`<p class="info" role="status">${reason}</p>`}
      ${providers.error && html`<${ErrorBox} error=${providers.error} onRetry=${providers.reload} />`}
      ${p?.setupRequired && html`<div class="info" role="note">
        <p><strong>First run:</strong> no admin account exists yet. On the server, run</p>
        <pre><code>medianest user add --admin admin</code></pre>
        <p>then sign in here with that name and the password you chose.</p></div>`}
      ${p?.plexConfigured && html`<${PlexSignIn} />`}
      ${p?.plexConfigured && p?.local && html`<p class="or"><span>or</span></p>`}
      ${(p?.local ?? true) && html`<${LocalSignIn} />`}
    </div>
  </main>`;
}

function LocalSignIn() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const r = await post("/auth/login", {
        username: String(f.get("username")).trim(),
        password: String(f.get("password")),
        rememberMe: f.get("remember") === "on",
      });
      session.set(r.data.user);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<form class="form" onSubmit=${submit} aria-label="Sign in with a MediaNest account">
    <label>Username<input name="username" autocomplete="username" required autocapitalize="none" spellcheck=${false} /></label>
    <label>Password<input name="password" type="password" autocomplete="current-password" required /></label>
    <label class="check"><input name="remember" type="checkbox" /> Keep me signed in</label>
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? "Signing in…" : "Sign in"}</button>
  </form>`;
}

const PLEX_WORDS = {
  PIN_EXPIRED: "The Plex sign-in took too long and expired. Press the button to try again.",
  NO_SERVER_ACCESS: "Your Plex account has no access to this Plex server. Ask its owner to share a library with you.",
  ACCOUNT_DISABLED: "Your MediaNest account is disabled. Ask an admin to enable it.",
};

function PlexSignIn() {
  const [state, setState] = useState({ step: "idle" });
  const stopped = useRef(false);
  useEffect(() => () => (stopped.current = true), []);
  const start = async () => {
    // The window opens in the click itself, or the browser blocks it.
    const win = window.open("", "medianest-plex", "popup,width=600,height=720");
    setState({ step: "starting" });
    let pin;
    try {
      const forwardUrl = location.origin + basePath + "login?plex=done";
      pin = (await post("/auth/plex/pin", { forwardUrl })).data;
    } catch (e) {
      win?.close();
      setState({ step: "error", error: e });
      return;
    }
    if (win) win.location.href = pin.authUrl;
    setState({ step: "waiting", authUrl: pin.authUrl, blocked: !win });
    const deadline = new Date(pin.expiresAt).getTime();
    while (!stopped.current) {
      await new Promise((r) => setTimeout(r, pin.pollIntervalMs || 2000));
      if (stopped.current) return;
      try {
        const r = await post("/auth/plex/verify", { pinId: pin.id, rememberMe: false });
        if (r.status === 200) {
          try {
            win?.close();
          } catch {
            // A window on another origin may refuse; it closes itself.
          }
          session.set(r.data.user);
          return;
        }
      } catch (e) {
        if (e instanceof ApiError && (e.status >= 500 || e.status === 0) && Date.now() < deadline) continue;
        setState({ step: "error", error: { message: PLEX_WORDS[e.code] || e.message } });
        return;
      }
      if (Date.now() > deadline + 5000) {
        setState({ step: "error", error: { message: PLEX_WORDS.PIN_EXPIRED } });
        return;
      }
    }
  };
  const waiting = state.step === "starting" || state.step === "waiting";
  return html`<div class="plex">
    <button type="button" class="btn btn-plex" disabled=${waiting} onClick=${start}>Sign in with Plex</button>
    ${state.step === "waiting" && html`<p role="status">
      ${state.blocked
        ? html`Your browser blocked the Plex window. <a href=${state.authUrl} target="_blank" rel="noopener">Open the Plex sign-in page</a>, approve MediaNest there, then come back to this tab.`
        : "Waiting for you to approve MediaNest in the Plex window…"}
    </p>`}
    ${state.step === "error" && html`<p class="error" role="alert">${state.error.message}</p>`}
  </div>`;
}

function PopupDone() {
  useEffect(() => {
    document.title = "Signed in · MediaNest";
    setTimeout(() => window.close(), 300);
  }, []);
  return html`<main id="main" class="login"><div class="login-card">
    <h1>Signed in with Plex</h1>
    <p>You can close this window and go back to MediaNest.</p>
  </div></main>`;
}
