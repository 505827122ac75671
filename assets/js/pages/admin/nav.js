// The admin section's own navigation, shown on every admin page.
import { html } from "../../lib.js";
import { Link, useRoute } from "../../router.js";

const ITEMS = [
  ["/admin", "Overview"],
  ["/admin/users", "Users"],
  ["/admin/services", "Services"],
  ["/admin/requests", "Requests"],
  ["/admin/downloads", "Downloads"],
  ["/admin/audit", "Audit log"],
  ["/admin/system", "System"],
  ["/admin/backups", "Backups"],
];

export function AdminNav() {
  const { path } = useRoute();
  return html`<nav class="sub-nav" aria-label="Admin">
    <ul>${ITEMS.map(([to, label]) => html`<li><${Link} to=${to} aria-current=${path === to ? "page" : undefined}>${label}<//></li>`)}</ul>
  </nav>`;
}
