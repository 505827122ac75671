// Search: built on the shared page frame; its full view is under way.
import { html } from "../lib.js";
import { Page } from "../ui.js";

export default function View() {
  return html`<${Page} title="Search"><p>This page is not ready in this version.</p><//>`;
}
