// What the admin pages' forms share: labelled fields and API errors in the form's words.
import { html, useId } from "../../lib.js";

/**
 * errorWords turns an API error into sentences to show under a form: a
 * validation error's field messages, each led by the form's label for the
 * field (labels maps API field names to labels), or else the API's message.
 */
export function errorWords(err, labels = {}) {
  if (!err) return "";
  if (err.code === "VALIDATION_ERROR" && err.details?.length) {
    return err.details.map((d) => {
      const m = String(d.message || "is invalid").replace(/\.?$/, ".");
      const label = labels[d.field];
      return label ? `${label}: ${m}` : m[0].toUpperCase() + m.slice(1);
    }).join(" ");
  }
  return err.message;
}

/**
 * Field is a labelled control with its hint and error outside the label,
 * so the control's accessible name is the label alone and the hint and
 * error are its description. children(id, describedBy) renders the control.
 */
export function Field({ label, hint, error, children }) {
  const id = useId();
  const hintId = hint ? id + "-hint" : "";
  const errId = error ? id + "-err" : "";
  const desc = [hintId, errId].filter(Boolean).join(" ") || undefined;
  return html`<div class="field-box">
    <label class="field" for=${id}>${label}</label>
    ${children(id, desc)}
    ${hint && html`<span class="hint" id=${hintId}>${hint}</span>`}
    ${error && html`<span class="field-error" id=${errId}>${error}</span>`}
  </div>`;
}
