// An API refusal shown where it belongs: each field's messages beside that field, in the
// API's words, and the general message (plus anything no field claims) in the form's summary.
//
// The API's error body is {code, status, message, errors: {field: [messages]}}, with dotted
// paths for nested fields ("crisis_resources.1.phone"). A control claims a path by its `name`,
// or by `data-error-for` (space-separated paths) when its name differs or a group answers
// for a whole list ("crisis_resources").

import { h } from "/pwa/js/dom.js";

const NOT_REACHED = "Waypoint could not be reached. Try again.";

function controlFor(form, path) {
  for (const element of form.querySelectorAll("[name], [data-error-for]")) {
    if (element.getAttribute("name") === path) return element;
    const claimed = (element.dataset.errorFor || "").split(" ");
    if (claimed.includes(path)) return element;
  }
  return null;
}

/** Remove the messages of an earlier attempt. */
export function clearFieldErrors(form, summary) {
  for (const old of form.querySelectorAll(".field-error[data-added]")) old.remove();
  for (const element of form.querySelectorAll("[aria-describedby]")) {
    element.removeAttribute("aria-invalid");
    const ids = (element.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter((id) => id && !id.endsWith("-field-error"));
    if (ids.length) element.setAttribute("aria-describedby", ids.join(" "));
    else element.removeAttribute("aria-describedby");
  }
  if (summary) summary.textContent = "";
}

let counter = 0;

/**
 * Show `failure` (an ApiError, or anything else: "could not be reached") on `form`: messages
 * beside their fields, the rest in `summary`; the first field in error gets the focus.
 * Returns the number of fields marked.
 */
export function showFieldErrors(form, failure, summary) {
  clearFieldErrors(form, summary);
  const body = failure && failure.body;
  if (!body) {
    if (summary) summary.textContent = NOT_REACHED;
    return 0;
  }
  const unclaimed = [];
  let first = null;
  let marked = 0;
  for (const [path, messages] of Object.entries(body.errors || {})) {
    const text = [messages].flat(3).join(" ");
    const control = controlFor(form, path);
    if (!control) {
      unclaimed.push(text);
      continue;
    }
    counter += 1;
    const id = `${control.id || `f${counter}`}-${counter}-field-error`;
    const note = h("p", { class: "field-error", id, "data-added": "" }, text);
    // Beside the control: after it, or at the top of a group (a fieldset after its legend).
    if (control.tagName === "FIELDSET") {
      const legend = control.querySelector(":scope > legend");
      if (legend) legend.after(note);
      else control.prepend(note);
    } else {
      control.after(note);
    }
    if (control.tagName !== "FIELDSET") control.setAttribute("aria-invalid", "true");
    const described = control.getAttribute("aria-describedby");
    control.setAttribute("aria-describedby", described ? `${described} ${id}` : id);
    first = first || control;
    marked += 1;
  }
  if (summary) summary.textContent = [body.message, ...unclaimed].filter(Boolean).join(" ");
  if (first) {
    const target = first.tagName === "FIELDSET" ? first.querySelector("input, select") : first;
    if (target) target.focus();
  }
  return marked;
}
