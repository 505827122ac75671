// All requests: built on the shared page frame; its full view is under way.
import { html } from "../../lib.js";
import { Page } from "../../ui.js";
import { AdminNav } from "./nav.js";
export default function View() {
  return html`<${Page} title="All requests"><${AdminNav} /><p>This page is not ready in this version.</p><//>`;
}
