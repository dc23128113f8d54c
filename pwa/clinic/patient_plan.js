// The patient's home-dosing plan, set by a clinician: the drug's form and dose, the interval
// and the week's and the prescription's doses, the pre-dose limits, the monitor, the
// after-dose check's times. Saved with PUT /api/v1/patients/{id}/home-dosing (the phone gets
// it with its next sync), stopped with DELETE; the API's refusals are shown beside their
// fields. A limit left blank is the clinic's default (its home-dosing settings, else
// Waypoint's: docs/clinical.md, "At-home dosing"), which each field's hint names.

import { request } from "/pwa/js/api.js";
import { announce, h } from "/pwa/js/dom.js";
import { clearFieldErrors, showFieldErrors } from "./field_errors.js";
import { FORMS } from "./patient_doses.js";
import { field } from "./settings_form.js";

/** [name, label]: the plan's numbers, as the API names them. */
const NUMBERS = [
  ["dose_mg", "Dose (mg)"],
  ["doses_prescribed", "Doses on this prescription"],
  ["min_interval_hours", "At least this many hours apart"],
  ["max_per_week", "At most this many in 7 days"],
  ["systolic_max", "No dose over this systolic"],
  ["diastolic_max", "No dose over this diastolic"],
  ["heart_rate_max", "No dose over this heart rate"],
  ["post_check_minutes", "After-dose check (minutes after a dose)"],
  ["post_check_missed_minutes", "Care team told if unanswered after (minutes)"],
];

/** A typed number as the API takes it: blank is left out (its default), anything not a whole
 * number goes as typed, so that the API's refusal names it. */
function typed(text) {
  const value = text.trim();
  if (!value) return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

function planForm(patientId, plan, defaults, changed) {
  const current = plan || {};
  const summary = h("p", { class: "error", role: "alert", id: "dose-plan-error" });
  const form = h("select", { id: "plan-form", name: "form" }, [
    h("option", { value: "", selected: !current.form }, "Choose the form"),
    ...Object.entries(FORMS).map(([value, words]) =>
      h("option", { value, selected: current.form === value }, words),
    ),
  ]);
  const numbers = NUMBERS.map(([name, label]) =>
    field(
      `plan-${name}`,
      label,
      h("input", {
        id: `plan-${name}`,
        name,
        type: "text",
        inputmode: "numeric",
        autocomplete: "off",
        value: current[name] === undefined ? "" : String(current[name]),
      }),
      defaults[name] === undefined ? null : `Blank: the clinic's ${defaults[name]}.`,
    ),
  );
  const monitor = h("input", {
    type: "checkbox",
    id: "plan-monitor_required",
    name: "monitor_required",
    // A new plan starts from the clinic's default.
    checked: plan ? current.monitor_required !== false : defaults.monitor_required !== false,
  });
  const monitorName = h("input", {
    id: "plan-monitor_name",
    name: "monitor_name",
    type: "text",
    autocomplete: "off",
    maxlength: "80",
    value: current.monitor_name || "",
  });
  const fresh = h("input", {
    type: "checkbox",
    id: "plan-new_prescription",
    name: "new_prescription",
  });
  const save = h("button", { type: "submit" }, plan ? "Save the plan" : "Start home dosing");
  const element = h(
    "form",
    { id: "dose-plan-form", "aria-label": "Home-dosing plan", novalidate: true },
    h(
      "div",
      { class: "form-grid" },
      field("plan-form", "Form", form),
      numbers,
      h(
        "label",
        { class: "check wide", for: "plan-monitor_required" },
        monitor,
        "A monitor must be present",
      ),
      field(
        "plan-monitor_name",
        "The monitor's name (optional)",
        monitorName,
        "As the home-dosing agreement names them, e.g. “Jordan (partner)”: the phone asks for them by name before each dose.",
      ),
      plan
        ? h(
            "label",
            { class: "check wide", for: "plan-new_prescription" },
            fresh,
            "A new prescription: count its doses from now",
          )
        : null,
    ),
    summary,
    h("div", { class: "actions" }, save),
  );
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(element, summary);
    const body = {
      form: form.value || null,
      monitor_required: monitor.checked,
      monitor_name: monitorName.value.trim() || null,
    };
    for (const [name] of NUMBERS) {
      const value = typed(element.elements[name].value);
      if (value !== undefined) body[name] = value;
    }
    if (plan) body.new_prescription = fresh.checked;
    save.disabled = true;
    try {
      await request("PUT", `/api/v1/patients/${patientId}/home-dosing`, body);
      announce("Home-dosing plan saved. The phone gets it with its next sync.");
      changed();
    } catch (failure) {
      showFieldErrors(element, failure, summary);
      save.disabled = false;
    }
  });
  return element;
}

/** "Stop home dosing", asked once more before it is done. */
function stopControls(patientId, changed) {
  const error = h("p", { class: "error", role: "alert" });
  const confirm = h(
    "div",
    { class: "notice", hidden: true, id: "dose-plan-stop-confirm" },
    h("p", {}, "Stop home dosing? The phone refuses every dose after its next sync."),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          class: "danger",
          onclick: async (event) => {
            event.target.disabled = true;
            try {
              await request("DELETE", `/api/v1/patients/${patientId}/home-dosing`);
              announce("Home dosing stopped.");
              changed();
            } catch (failure) {
              error.textContent = (failure.body && failure.body.message) || "Not stopped.";
              event.target.disabled = false;
            }
          },
        },
        "Yes, stop home dosing",
      ),
      h(
        "button",
        { type: "button", class: "secondary", onclick: () => (confirm.hidden = true) },
        "Keep the plan",
      ),
    ),
    error,
  );
  return h(
    "div",
    {},
    h(
      "button",
      { type: "button", class: "secondary", onclick: () => (confirm.hidden = false) },
      "Stop home dosing",
    ),
    confirm,
  );
}

/** The plan card of the patient page; `body` is GET /home-dosing's body. */
export function planCard(patientId, body, changed) {
  const plan = body.active ? body.plan : null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "dose-plan-heading" },
    h("h2", { id: "dose-plan-heading" }, "Home-dosing plan"),
    plan
      ? h(
          "p",
          { class: "meta" },
          `Version ${body.version}. The phone gets a change at its next sync.`,
        )
      : h("p", { class: "meta" }, "No home-dosing plan."),
    h(
      "details",
      {},
      h("summary", {}, plan ? "Change the plan" : "Set a home-dosing plan"),
      planForm(patientId, plan, body.defaults || {}, changed),
    ),
    plan ? stopControls(patientId, changed) : null,
  );
}
