// One part of the clinic settings: a form that saves its own fields with a PATCH and shows
// the API's refusals beside them; and a labelled field with its hint.

import { request } from "/pwa/js/api.js";
import { h } from "/pwa/js/dom.js";
import { clearFieldErrors, showFieldErrors } from "./field_errors.js";

/** A labelled control with its hint (described by it). */
export function field(id, label, control, hint = null) {
  const described = [hint ? `${id}-hint` : null, control.getAttribute("aria-describedby")];
  const ids = described.filter(Boolean).join(" ");
  if (ids) control.setAttribute("aria-describedby", ids);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null,
    control,
  );
}

/**
 * One part of the settings: a form of `controls` whose `body()` is saved with a PATCH;
 * `saved(settings)` redraws from the answer.
 */
export function part({ id, heading, intro, controls, body, saved, button = "Save" }) {
  const summary = h("p", { class: "error", role: "alert", id: `${id}-error` });
  const done = h("p", { class: "meta", role: "status", id: `${id}-saved` });
  const save = h("button", { type: "submit" }, button);
  const form = h(
    "form",
    { id, "aria-labelledby": `${id}-heading` },
    controls,
    summary,
    h("div", { class: "actions" }, save),
    done,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    done.textContent = "";
    save.disabled = true;
    try {
      const { body: settings } = await request("PATCH", "/api/v1/clinic/settings", body());
      clearFieldErrors(form, summary);
      done.textContent = `${heading}: saved.`; // a status region: announced as it is
      if (saved) saved(settings);
    } catch (failure) {
      showFieldErrors(form, failure, summary);
    } finally {
      save.disabled = false;
    }
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading` }, heading),
    intro ? h("p", {}, intro) : null,
    form,
  );
}
