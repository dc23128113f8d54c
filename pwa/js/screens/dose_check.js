// The pre-dose check: blood pressure and heart rate from the patient's own cuff, the monitor,
// new symptoms and the last dose, gated on this phone with the plan it keeps (no network
// needed). Held back: why, and what to do; let through: "I took my dose" starts the rest.

import * as data from "../data.js";
import { announce, h, show } from "../dom.js";
import {
  PENDING_MS,
  activePlan,
  doseLog,
  gateNow,
  keepPending,
  lastDose,
  pendingCheck,
  recordCheck,
  reportOutside,
} from "../doses.js";
import { vitalErrors } from "../dosing.js";
import { onChange, queued } from "../outbox.js";
import { DOSE, DOSE_TITLE } from "../words.js";
import { telHref } from "./crisis.js";

const READINGS = [
  ["systolic", DOSE.systolic, 60, 260],
  ["diastolic", DOSE.diastolic, 30, 160],
  ["heart_rate", DOSE.heartRate, 30, 220],
];

/** A whole number typed in a field, or null. */
function whole(text) {
  return /^\d{1,3}$/.test(text.trim()) ? Number(text.trim()) : null;
}

function fieldError(id, message) {
  return message ? h("p", { id: `${id}-error`, class: "error" }, message) : null;
}

function readingField([name, label, min, max], values, errors) {
  const id = `dose-${name}`;
  const input = h("input", {
    id,
    name,
    type: "number",
    inputmode: "numeric",
    min: String(min),
    max: String(max),
    step: "1",
    autocomplete: "off",
    "aria-describedby": errors[name] ? `${id}-hint ${id}-error` : `${id}-hint`,
    "aria-invalid": errors[name] ? "true" : null,
  });
  if (values[name] !== undefined && values[name] !== null) input.value = String(values[name]);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("p", { id: `${id}-hint`, class: "hint" }, DOSE.readingHint),
    fieldError(id, errors[name]),
    input,
  );
}

function yesNo(name, question, values, errors, onchange = null) {
  const id = `dose-${name}`;
  const choice = (value, text) =>
    h(
      "label",
      { class: "field check" },
      h("input", {
        type: "radio",
        name,
        value: String(value),
        checked: values[name] === value,
        onchange,
      }),
      text,
    );
  return h(
    "fieldset",
    {
      class: "field",
      "aria-describedby": errors[name] ? `${id}-error` : null,
      "aria-invalid": errors[name] ? "true" : null,
    },
    h("legend", {}, question),
    fieldError(id, errors[name]),
    choice(true, DOSE.yes),
    choice(false, DOSE.no),
  );
}

/** What the form says now: the readings as typed, the answers as chosen. */
function readForm(form) {
  const radio = (name) => {
    const chosen = form.querySelector(`input[name="${name}"]:checked`);
    return chosen ? chosen.value === "true" : null;
  };
  const values = {};
  for (const [name] of READINGS) values[name] = whole(form.elements[name].value);
  values.monitor_present = radio("monitor_present");
  values.new_symptoms = radio("new_symptoms");
  values.outside = radio("outside");
  values.outside_when = form.elements.outside_when ? form.elements.outside_when.value : "";
  return values;
}

/** Errors by field, in the app's own words (the readings a cuff cannot give first). */
function formErrors(values, now) {
  const errors = {};
  for (const name of Object.keys(vitalErrors(values))) errors[name] = DOSE.errors[name];
  for (const name of ["monitor_present", "new_symptoms", "outside"]) {
    if (values[name] === null) errors[name] = DOSE.errors.choose;
  }
  if (values.outside) {
    const at = Date.parse(values.outside_when);
    if (Number.isNaN(at) || at > now) errors.outside_when = DOSE.errors.outside_when;
  }
  return errors;
}

/** "9:05" in the phone's own time, for a datetime-local field's max. */
function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** Whether the care team has a record yet: the outbox's word, kept true as it changes. */
function deliveryNote(id) {
  const note = h("p", { class: "send-status", role: "status" });
  const update = async () => {
    if (!document.body.contains(note) && note.dataset.state) return false;
    const row = (await queued()).find((r) => r.id === id);
    let state = "told";
    if (row) state = row.state === "refused" ? "refused" : navigator.onLine ? "sending" : "offline";
    if (row && row.last_status && row.state !== "refused") state = "offline";
    note.dataset.state = state;
    note.textContent = DOSE.told[state];
    return true;
  };
  const stop = onChange(async () => {
    if (!(await update())) stop();
  });
  const onNetwork = () => update();
  window.addEventListener("online", onNetwork, { once: true });
  window.addEventListener("offline", onNetwork, { once: true });
  update();
  return note;
}

/** The pre-dose check's screen (`#/ready`). */
export async function doseCheckScreen(app) {
  const body = await activePlan();
  if (!body) {
    show(
      app.main,
      DOSE_TITLE,
      h("h1", {}, DOSE.noPlanTitle),
      h("p", {}, DOSE.noPlan),
      h("a", { class: "button secondary", href: "#/" }, DOSE.backHome),
    );
    return;
  }
  const pending = await pendingCheck();
  if (pending && Date.now() - Date.parse(pending.checked_at) < PENDING_MS) {
    renderOk(app, body, pending);
    return;
  }
  let stale = false;
  if (pending) {
    // Never answered: recorded as a check without a dose, and the patient checks again.
    await recordCheck(body, pending, null);
    app.afterQueue();
    stale = true;
  }
  renderForm(app, body, {}, {}, stale);
}

async function renderForm(app, body, values, errors, stale = false) {
  const log = await doseLog();
  const last = lastDose(body, log);
  const now = Date.now();
  const when = h(
    "div",
    { class: "field", hidden: values.outside ? null : true, id: "dose-outside-when-box" },
    h("label", { for: "dose-outside_when" }, DOSE.outsideWhen),
    fieldError("dose-outside_when", errors.outside_when),
    h("input", {
      id: "dose-outside_when",
      name: "outside_when",
      type: "datetime-local",
      max: localInput(now),
      value: values.outside_when || null,
      "aria-describedby": errors.outside_when ? "dose-outside_when-error" : null,
    }),
    h("p", { class: "hint" }, DOSE.outsideNote),
  );
  const toggle = (event) => {
    when.hidden = event.target.value !== "true";
  };
  const count = Object.keys(errors).length;
  const form = h(
    "form",
    { class: "dose-check", novalidate: true, onsubmit: (event) => submit(event) },
    READINGS.map((reading) => readingField(reading, values, errors)),
    yesNo(
      "monitor_present",
      body.plan.monitor_name
        ? DOSE.monitorQuestionNamed(body.plan.monitor_name)
        : DOSE.monitorQuestion,
      values,
      errors,
    ),
    yesNo("new_symptoms", DOSE.symptomsQuestion, values, errors),
    h("p", { class: "last-dose" }, last ? DOSE.lastDose(last) : DOSE.noLastDose),
    yesNo("outside", DOSE.outsideQuestion, values, errors, toggle),
    when,
    h("button", { type: "submit", class: "button" }, DOSE.submit),
  );
  show(
    app.main,
    DOSE_TITLE,
    h("h1", {}, DOSE.checkTitle),
    stale ? h("p", { class: "card notice" }, DOSE.stale) : null,
    h("p", { class: "lead" }, DOSE.checkLead),
    count ? h("p", { class: "error", role: "alert", id: "dose-errors" }, DOSE.fixErrors) : null,
    form,
    h("div", { class: "nav" }, h("a", { class: "button secondary", href: "#/" }, DOSE.backHome)),
  );

  async function submit(event) {
    event.preventDefault();
    const typed = readForm(form);
    const at = Date.now();
    const problems = formErrors(typed, at);
    if (Object.keys(problems).length) {
      await renderForm(app, body, typed, problems);
      return;
    }
    form.querySelector("button[type=submit]").disabled = true;
    const checkedAt = new Date(at).toISOString();
    if (typed.outside) {
      await reportOutside(new Date(Date.parse(typed.outside_when)).toISOString(), checkedAt);
    }
    const check = {
      id: crypto.randomUUID(),
      checked_at: checkedAt,
      systolic: typed.systolic,
      diastolic: typed.diastolic,
      heart_rate: typed.heart_rate,
      monitor_present: typed.monitor_present,
      new_symptoms: typed.new_symptoms,
    };
    const verdict = gateNow(body, await doseLog(), check, at);
    if (verdict.ok) {
      await keepPending(check);
      if (typed.outside) app.afterQueue();
      renderOk(app, body, check);
      return;
    }
    await recordCheck(body, check, null);
    app.afterQueue();
    await renderHold(app, body, check, verdict);
  }
}

async function renderHold(app, body, check, verdict) {
  const resources = await data.crisisResources();
  const emergency = resources.find((r) => r.kind === "emergency" && r.phone);
  const items = verdict.reasons.map((reason) => {
    const [why, what] = DOSE.reasons[reason](check, body.plan, verdict.nextAt);
    return h(
      "li",
      { "data-reason": reason },
      h("p", { class: "why" }, why),
      h("p", {}, what),
      reason === "new_symptoms" && emergency
        ? h("a", { class: "button", href: telHref(emergency.phone) }, DOSE.call(emergency.phone))
        : null,
    );
  });
  show(
    app.main,
    DOSE_TITLE,
    h("h1", {}, DOSE.holdTitle),
    h("p", { class: "lead" }, DOSE.holdLead),
    h(
      "section",
      { class: "card", "aria-labelledby": "reasons-title" },
      h("h2", { id: "reasons-title" }, DOSE.reasonsTitle),
      h("ul", { class: "reasons" }, items),
    ),
    deliveryNote(check.id),
    h(
      "div",
      { class: "nav" },
      h("a", { class: "button secondary", href: "#/" }, DOSE.backHome),
      h(
        "button",
        { type: "button", class: "button secondary", onclick: () => renderForm(app, body, {}, {}) },
        DOSE.checkAgain,
      ),
    ),
  );
  announce(DOSE.holdTitle);
}

function renderOk(app, body, check) {
  const took = async (event) => {
    event.target.disabled = true;
    await recordCheck(body, check, new Date().toISOString());
    app.afterQueue();
    location.hash = "#/rest";
  };
  const notNow = async (event) => {
    event.target.disabled = true;
    await recordCheck(body, check, null);
    app.afterQueue();
    location.hash = "#/";
  };
  show(
    app.main,
    DOSE_TITLE,
    h("h1", {}, DOSE.okTitle),
    h("p", { class: "lead" }, DOSE.okLead),
    h(
      "ol",
      { class: "steps" },
      DOSE.okSteps.map((step) => h("li", {}, step)),
    ),
    h("button", { type: "button", class: "button", onclick: took }, DOSE.took),
    h("button", { type: "button", class: "button secondary", onclick: notNow }, DOSE.notNow),
  );
}
