// Library: not ready in this version.
import { html } from "../lib.js";
import { Page } from "../ui.js";

const View = ({ title }) => html`<${Page} title=${title}><p>This page is not ready in this version.</p><//>`;
export const Libraries = () => View({ title: "Library" });
export const Section = () => View({ title: "Library" });
export const Collection = () => View({ title: "Collection" });
export const Item = () => View({ title: "Item" });
