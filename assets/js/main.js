// The entry point: find out who is signed in, then render the page the URL
// names inside the shell, or the sign-in page. Every page module is loaded
// only when it is first opened.
import { get, setUnauthorizedHandler } from "./api.js";
import * as events from "./events.js";
import { html, render, useEffect } from "./lib.js";
import { Lazy, match, navigate, route, safeNext, useRoute } from "./router.js";
import { Shell } from "./shell.js";
import { notice, session, unread, useStore } from "./store.js";
import "./theme.js";
import { Page } from "./ui.js";

const page = (load, name = "default") => ({ load, name });
const pages = {
  dashboard: () => import("./pages/dashboard.js"),
  search: () => import("./pages/search.js"),
  requests: () => import("./pages/requests.js"),
  library: () => import("./pages/library.js"),
  downloads: () => import("./pages/downloads.js"),
  notifications: () => import("./pages/notifications.js"),
  account: () => import("./pages/account.js"),
  admin: () => import("./pages/admin/index.js"),
  adminUsers: () => import("./pages/admin/users.js"),
  adminServices: () => import("./pages/admin/services.js"),
  adminRequests: () => import("./pages/admin/requests.js"),
  adminDownloads: () => import("./pages/admin/downloads.js"),
  adminAudit: () => import("./pages/admin/audit.js"),
  adminSystem: () => import("./pages/admin/system.js"),
  adminBackups: () => import("./pages/admin/backups.js"),
};

/** The routes of DESIGN.md's UI contract; admin routes need role admin. */
const ROUTES = [
  ["/", page(pages.dashboard)],
  ["/search", page(pages.search)],
  ["/requests", page(pages.requests)],
  ["/library", page(pages.library, "Libraries")],
  ["/library/:section", page(pages.library, "Section")],
  ["/library/:section/collections/:ratingKey", page(pages.library, "Collection")],
  ["/library/:section/items/:ratingKey", page(pages.library, "Item")],
  ["/downloads", page(pages.downloads)],
  ["/notifications", page(pages.notifications)],
  ["/account", page(pages.account)],
  ["/admin", page(pages.admin), true],
  ["/admin/users", page(pages.adminUsers), true],
  ["/admin/services", page(pages.adminServices), true],
  ["/admin/requests", page(pages.adminRequests), true],
  ["/admin/downloads", page(pages.adminDownloads), true],
  ["/admin/audit", page(pages.adminAudit), true],
  ["/admin/system", page(pages.adminSystem), true],
  ["/admin/backups", page(pages.adminBackups), true],
];

const loadLogin = () => import("./pages/login.js");

let booted = false;
let signedOutBy = "";

/** signInPath is /login with the page to come back to. */
function signInPath() {
  const { path, query } = route.get();
  const q = query.toString();
  const here = path + (q ? "?" + q : "");
  return path === "/" || path.startsWith("/login") ? "/login" : "/login?next=" + encodeURIComponent(here);
}

setUnauthorizedHandler(() => {
  if (!session.get()) return;
  signedOutBy = "Your session has ended. Sign in again to go on.";
  session.set(null);
});

let last = null;
session.subscribe((user) => {
  if (user && !last) {
    events.start();
    get("/notifications", { unread: "true", pageSize: 1 }).then(
      (r) => unread.set(r.meta?.unread ?? 0),
      () => {},
    );
  }
  if (!user && last) {
    events.stop();
    unread.set(0);
    if (!location.pathname.endsWith("/login")) navigate(signInPath(), { replace: true });
  }
  last = user;
});

events.on("notice", (n) => notice.set(n));
events.on("notification", () => unread.update((n) => n + 1));

function NotFound() {
  return html`<${Page} title="Page not found"><p>There is no page at this address. <a href=".">Go to the dashboard</a>.</p><//>`;
}

function Forbidden() {
  return html`<${Page} title="Admins only"><p>This page is for MediaNest's admins. Ask one if you need something changed.</p><//>`;
}

function App() {
  const user = useStore(session);
  const r = useRoute();
  const loginRoute = r.path === "/login" || r.path === "/login/";
  useEffect(() => {
    if (!user && !loginRoute) navigate(signInPath(), { replace: true });
    if (user && loginRoute && r.query.get("plex") !== "done") navigate(safeNext(r.query.get("next")), { replace: true });
  }, [user, loginRoute]);
  if (!booted) return null;
  if (!user || loginRoute) {
    const reason = signedOutBy;
    return html`<${Lazy} load=${loadLogin} props=${{ query: r.query, reason }} />`;
  }
  for (const [pattern, p, admin] of ROUTES) {
    const params = match(pattern, r.path);
    if (!params) continue;
    const body = admin && user.role !== "admin"
      ? html`<${Forbidden} />`
      : html`<${Lazy} load=${p.load} name=${p.name} props=${{ params, query: r.query, user }} />`;
    return html`<${Shell}>${body}<//>`;
  }
  return html`<${Shell}><${NotFound} /><//>`;
}

async function boot() {
  const root = document.getElementById("app");
  get("/notice").then((r) => notice.set(r.data), () => {});
  try {
    const r = await get("/auth/session", { optional: "true" }, { quiet401: true });
    session.set(r.data.user);
  } catch {
    session.set(null);
  }
  booted = true;
  root.textContent = "";
  render(html`<${App} />`, root);
}

boot();
