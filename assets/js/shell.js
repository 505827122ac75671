// The frame around every signed-in page: navigation by role (a menu button
// on a phone), the live notice banner, the notifications bell with the
// unread count, the stream's connection state, theme and sign-out.
import { post } from "./api.js";
import { connection, stop as stopEvents } from "./events.js";
import { html, useEffect, useState } from "./lib.js";
import { Link, navigate, useRoute } from "./router.js";
import { notice, session, unread, useStore } from "./store.js";
import { theme, toggleTheme } from "./theme.js";
import { statusWord } from "./ui.js";

const NAV = [
  { to: "/", label: "Dashboard" },
  { to: "/search", label: "Search" },
  { to: "/requests", label: "Requests" },
  { to: "/library", label: "Library" },
  { to: "/downloads", label: "Downloads" },
  { to: "/admin", label: "Admin", admin: true },
];

function current(path, to) {
  return to === "/" ? path === "/" : path === to || path.startsWith(to + "/");
}

export function Shell({ children }) {
  const user = useStore(session);
  const { path } = useRoute();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  const items = NAV.filter((n) => !n.admin || user?.role === "admin");
  return html`<a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <div class="top-bar">
        <${Link} to="/" class="brand">MediaNest<//>
        <button type="button" class="btn menu-btn" aria-expanded=${open ? "true" : "false"} aria-controls="nav"
          onClick=${() => setOpen(!open)}>Menu</button>
        <nav id="nav" aria-label="Main" class=${open ? "nav open" : "nav"}>
          <ul>
            ${items.map((n) => html`<li><${Link} to=${n.to} aria-current=${current(path, n.to) ? "page" : undefined}>${n.label}<//></li>`)}
            <li class="phone-only"><${Link} to="/account" aria-current=${path === "/account" ? "page" : undefined}>Account<//></li>
            <li class="phone-only"><${SignOut} /></li>
          </ul>
        </nav>
        <div class="tools">
          <${Connection} />
          <${Bell} path=${path} />
          <${Link} to="/account" class="tool desk-only" aria-current=${path === "/account" ? "page" : undefined}>
            <span class="visually-hidden">Account: </span>${user?.displayName || user?.username}<//>
          <${ThemeButton} />
          <span class="desk-only"><${SignOut} /></span>
        </div>
      </div>
    </header>
    <${NoticeBanner} />
    <main id="main">${children}</main>`;
}

function Bell({ path }) {
  const n = useStore(unread);
  const label = n ? `Notifications, ${n} unread` : "Notifications";
  return html`<${Link} to="/notifications" class="tool bell" aria-label=${label} aria-current=${path === "/notifications" ? "page" : undefined}>
    <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/></svg>
    ${n > 0 && html`<span class="count" aria-hidden="true">${n > 99 ? "99+" : n}</span>`}
  <//>`;
}

function Connection() {
  const c = useStore(connection);
  if (c !== "reconnecting") return null;
  return html`<span class="conn" role="status">Reconnecting…</span>`;
}

function ThemeButton() {
  const t = useStore(theme);
  const dark = t === "dark" || (t === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  return html`<button type="button" class="btn btn-icon tool" aria-pressed=${dark ? "true" : "false"} aria-label="Dark theme"
    title=${dark ? "Dark theme is on" : "Dark theme is off"} onClick=${toggleTheme}>
    <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path fill="currentColor" d="M12 3a9 9 0 1 0 9 9 7 7 0 0 1-9-9Z"/></svg>
  </button>`;
}

function SignOut() {
  const [busy, setBusy] = useState(false);
  const out = async () => {
    setBusy(true);
    // The stream goes first: signing out ends it on the server, which the
    // browser would report as a failed request.
    stopEvents();
    try {
      await post("/auth/logout", { allSessions: false });
    } catch {
      // Signed out already, or the server is away: the page forgets the
      // user either way.
    }
    session.set(null);
    navigate("/login", { replace: true });
  };
  return html`<button type="button" class="btn tool" disabled=${busy} onClick=${out}>Sign out</button>`;
}

/** NoticeBanner shows the admin's notice, live; its level is a word too. */
export function NoticeBanner() {
  const n = useStore(notice);
  if (!n || !n.message) return null;
  const critical = n.level === "critical";
  return html`<div class=${"notice notice-" + n.level} role=${critical ? "alert" : "status"}>
    <strong>${statusWord(n.level)}:</strong> ${n.message}
  </div>`;
}
