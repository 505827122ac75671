// Notifications: the user's notifications, newest first, "Unread only" in
// the URL (?unread=true), new ones arriving live, and marking them read
// keeps the bell's count (the shared unread store) in step.
import { get, post } from "../api.js";
import { useEvent } from "../events.js";
import { html } from "../lib.js";
import { Link, setQuery } from "../router.js";
import { Async, Badge, Page, Pager, Time, announce, useAction, useAsync } from "../ui.js";
import { unread, useStore } from "../store.js";

export default function Notifications({ query }) {
  const onlyUnread = query.get("unread") === "true";
  const page = Math.max(1, Number(query.get("page")) || 1);
  const list = useAsync(async (signal) => {
    const r = await get("/notifications", { unread: onlyUnread ? "true" : null, page, pageSize: 20 }, { signal });
    if (typeof r.meta?.unread === "number") unread.set(r.meta.unread);
    return r;
  }, [onlyUnread, page]);
  // The shell counts a new notification on the bell; the list shows it.
  useEvent("notification", (n) => page === 1 && list.setData((rows) => rows && !rows.some((x) => x.id === n.id) ? [n, ...rows] : rows));
  useEvent("reconnect", () => list.reload());
  const markOne = async (n) => {
    try {
      await post(`/notifications/${n.id}/read`);
      list.setData((rows) => rows && rows.map((x) => (x.id === n.id ? { ...x, read: true } : x)));
      unread.update((c) => Math.max(0, c - 1));
      announce(`Marked “${n.title}” as read`);
    } catch (e) {
      announce(e.message);
    }
  };
  const all = useAction(async () => {
    await post("/notifications/read-all");
    list.setData((rows) => rows && rows.map((x) => ({ ...x, read: true })));
    unread.set(0);
    announce("All notifications marked as read");
  });
  const count = useStore(unread);
  return html`<${Page} title="Notifications" actions=${html`<button type="button" class="btn" disabled=${all.busy}
      onClick=${() => all.run()}>Mark all as read</button>`}>
    <div class="filters">
      <label class="check"><input type="checkbox" checked=${onlyUnread}
        onChange=${(e) => setQuery({ unread: e.currentTarget.checked ? "true" : null, page: null })} /> Unread only</label>
      <span class="muted" aria-live="polite">${count ? `${count} unread` : "All read"}</span>
    </div>
    ${all.error && html`<div class="error" role="alert"><p>${all.error.message}</p></div>`}
    <${Async} state=${list} empty=${onlyUnread ? "No unread notifications." : "No notifications yet. You hear here when a request is ready or a download is done."}>
      ${(rows, meta) => html`<ul class="list notes">${rows.map((n) => html`<li key=${n.id} class=${n.read ? "card note" : "card note note-unread"}>
          <div class="note-head"><h2>${n.title}</h2>${!n.read && html`<${Badge} status="info" label="Unread" />`}</div>
          ${n.message && html`<p>${n.message}</p>`}
          <div class="row">
            <span class="muted"><${Time} iso=${n.createdAt} ago /></span>
            ${n.link && html`<${Link} to=${appLink(n.link)}>${linkText(n.link)}<span class="visually-hidden">: ${n.title}</span><//>`}
            ${!n.read && html`<button type="button" class="btn btn-small" aria-label=${`Mark as read: ${n.title}`} onClick=${() => markOne(n)}>Mark as read</button>`}
          </div>
        </li>`)}</ul>
        <${Pager} meta=${meta} label="Notification pages" onPage=${(p) => setQuery({ page: p > 1 ? p : null })} />`}
    <//>
  <//>`;
}

/**
 * appLink maps a notification's link to a page of the app. A request's
 * link names the request ("/requests/12"), which is a row of My requests.
 */
function appLink(link) {
  if (/^\/requests\/\d+$/.test(link)) return "/requests";
  return link.startsWith("/") && !link.startsWith("//") ? link : "/";
}

function linkText(link) {
  if (link.startsWith("/requests")) return "See my requests";
  if (link.startsWith("/downloads")) return "See my downloads";
  return "Open";
}
