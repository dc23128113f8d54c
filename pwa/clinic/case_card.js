// One case as a card: its most pressing priority and patient, every reason inside (most
// pressing first), one acknowledge, the call log, and one resolve that for an urgent or
// imminent case records the outcome (contact made, risk level, plan, next contact); the
// timeline and per-channel deliveries on demand.

import { request } from "/pwa/js/api.js";
import { announce, h } from "/pwa/js/dom.js";
import { deliveriesTable, deliverySummary, reasonItem, timelineList } from "./alert_parts.js";
import { clearFieldErrors, showFieldErrors } from "./field_errors.js";
import { PRIORITY_WORDS, day, errorText, relative, when } from "./format.js";

const STATUS_WORDS = { open: "Open", acknowledged: "Acknowledged", resolved: "Resolved" };
const METHOD_WORDS = {
  phone: "Phone",
  video: "Video",
  in_person: "In person",
  text: "Text message",
  email: "Email",
};
const RESULT_WORDS = { reached: "Reached", tried: "No answer", left_message: "Left a message" };
const RISK_WORDS = { low: "Low", moderate: "Moderate", high: "High" };
export const PLAN_WORDS = {
  safety_plan: "Safety plan made or reviewed",
  means_counselling: "Lethal means counselling",
  follow_up_call: "Follow-up call planned",
  appointment_booked: "Appointment booked",
  same_day_appointment: "Seen the same day",
  medication_review: "Medication reviewed",
  treatment_paused: "Treatment paused",
  emergency_department: "Sent to the emergency department",
  emergency_services: "Emergency services called (911 / welfare check)",
  hospital_admission: "Admitted to hospital",
  no_change: "No change needed",
};

let counter = 0;

/** A choice with nothing chosen until a person chooses ("Choose…" is not an answer). */
function select(name, words, attributes = {}) {
  return h(
    "select",
    { name, required: true, ...attributes },
    h("option", { value: "" }, "Choose…"),
    Object.entries(words).map(([value, text]) => h("option", { value }, text)),
  );
}

function field(label, control, hint = null) {
  counter += 1;
  control.id = control.id || `case-field-${counter}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: control.id }, label),
    hint ? h("p", { class: "hint" }, hint) : null,
    control,
  );
}

/** A time (now if not given) as a datetime-local value in the browser's zone. */
function localNow(iso = null) {
  const at = iso ? new Date(iso) : new Date();
  return new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function localToIso(value) {
  return value ? new Date(value).toISOString() : null;
}

async function post(path, body, button, form, summary, done) {
  button.disabled = true;
  clearFieldErrors(form, summary);
  try {
    const { body: updated } = await request("POST", path, body);
    done(updated);
  } catch (failure) {
    showFieldErrors(form, failure, summary);
    button.disabled = false;
  }
}

function contactsList(kase) {
  if (!kase.contacts.length) return h("p", { class: "meta" }, "No contact logged yet.");
  return h(
    "ol",
    { class: "contacts" },
    kase.contacts.map((c) =>
      h(
        "li",
        { "data-result": c.result },
        h("strong", {}, RESULT_WORDS[c.result]),
        ` · ${METHOD_WORDS[c.method]} · ${when(c.at)}`,
        c.by ? ` by ${c.by.name}` : "",
        c.note ? `: “${c.note}”` : "",
      ),
    ),
  );
}

function contactForm(kase, redraw) {
  const summary = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "secondary" }, "Log contact");
  const form = h(
    "form",
    { class: "contact-form", "aria-label": `Log a contact for ${kase.patient.ref}` },
    h(
      "div",
      { class: "row" },
      field("How", select("method", METHOD_WORDS)),
      field("Result", select("result", RESULT_WORDS)),
      field("When", h("input", { type: "datetime-local", name: "at", value: localNow() })),
    ),
    field(
      "What was said (optional)",
      h("textarea", { name: "note", maxlength: "2000", rows: "2" }),
    ),
    button,
    summary,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      method: data.get("method"),
      result: data.get("result"),
      at: localToIso(data.get("at")),
      note: data.get("note").trim() || null,
    };
    post(`/api/v1/cases/${kase.id}/contacts`, body, button, form, summary, (updated) => {
      announce("Contact logged.");
      redraw(updated);
    });
  });
  return form;
}

/** A fieldset of radio buttons or checkboxes, one per `words` entry; a radio group must be
 * answered (nothing is chosen for the clinician). */
function choiceGroup(legend, name, type, words, errorFor) {
  return h(
    "fieldset",
    { "data-error-for": errorFor },
    h("legend", {}, legend),
    ...Object.entries(words).map(([value, text], n) => {
      counter += 1;
      const id = `case-${name}-${counter}`;
      return h(
        "div",
        { class: "choice" },
        h("input", { type, name, value, id, required: type === "radio" && n === 0 }),
        h("label", { for: id }, text),
      );
    }),
  );
}

function outcomeFields(kase) {
  // The call that reached the patient, if one is logged: the outcome documents that one.
  const reached = kase.contacts.filter((c) => c.result === "reached").at(-1);
  const made = choiceGroup(
    "Was the patient reached?",
    "made",
    "radio",
    { yes: "Yes", no: "No (emergency services or the emergency department took over)" },
    "outcome.contact.made outcome.contact",
  );
  const risk = choiceGroup(
    "Overall suicide risk found",
    "risk_level",
    "radio",
    RISK_WORDS,
    "outcome.risk_level",
  );
  const plan = choiceGroup("Plan", "plan", "checkbox", PLAN_WORDS, "outcome.plan outcome.plan.0");
  const next = new Date(Date.now() + 86_400_000);
  // Tomorrow in the browser's own calendar (toISOString would give the UTC date).
  const tomorrow = new Date(next.getTime() - next.getTimezoneOffset() * 60000)
    .toISOString()
    .slice(0, 10);
  return [
    made,
    h(
      "div",
      { class: "row" },
      field(
        "How they were reached",
        (() => {
          const method = select("contact_method", METHOD_WORDS, {
            "data-error-for": "outcome.contact.method",
            required: false, // only when reached: the server names it if missing
          });
          if (reached) method.value = reached.method;
          return method;
        })(),
      ),
      field(
        "When",
        h("input", {
          type: "datetime-local",
          name: "contact_at",
          value: localNow(reached ? reached.at : null),
          "data-error-for": "outcome.contact.at",
        }),
      ),
    ),
    risk,
    plan,
    field(
      "Plan details (optional)",
      h("textarea", {
        name: "plan_note",
        maxlength: "2000",
        rows: "2",
        "data-error-for": "outcome.plan_note",
      }),
    ),
    field(
      "Next contact",
      h("input", {
        type: "date",
        name: "next_contact_on",
        value: tomorrow,
        required: true,
        "data-error-for": "outcome.next_contact_on",
      }),
    ),
  ];
}

function outcomeBody(data) {
  // Nothing is assumed: an unanswered "reached?" goes as null, and the server says so.
  const answer = data.get("made");
  const made = answer === null ? null : answer === "yes";
  return {
    contact: made
      ? {
          made,
          method: data.get("contact_method") || null,
          at: localToIso(data.get("contact_at")),
        }
      : { made },
    risk_level: data.get("risk_level"),
    plan: data.getAll("plan"),
    plan_note: data.get("plan_note").trim() || null,
    next_contact_on: data.get("next_contact_on"),
  };
}

function resolveForm(kase, changed) {
  const summary = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit" }, "Resolve case");
  const form = h(
    "form",
    { class: "resolve-form", "aria-label": `Resolve the case of ${kase.patient.ref}` },
    kase.outcome_required
      ? h(
          "p",
          { class: "hint" },
          "An urgent or imminent case is resolved with the assessment's outcome.",
        )
      : null,
    ...(kase.outcome_required ? outcomeFields(kase) : []),
    field(
      "Resolution note (optional)",
      h("textarea", { name: "note", maxlength: "2000", rows: "2" }),
    ),
    button,
    summary,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    // The count shown: a case that gathered more since is refused, and shown again.
    const body = { note: data.get("note").trim() || null, seen_alerts: kase.alert_count };
    if (kase.outcome_required) body.outcome = outcomeBody(data);
    post(`/api/v1/cases/${kase.id}/resolve`, body, button, form, summary, () => {
      announce("Case resolved.");
      document.dispatchEvent(new CustomEvent("waypoint:case-changed"));
      changed();
    });
  });
  return h("details", { class: "resolve" }, h("summary", {}, "Resolve"), form);
}

function acknowledgeForm(kase, redraw) {
  const summary = h("p", { class: "error", role: "alert" });
  const button = h(
    "button",
    { type: "submit" },
    kase.status === "acknowledged" ? "Acknowledge the new reasons" : "Acknowledge",
  );
  const form = h(
    "form",
    { class: "ack-form", "aria-label": `Acknowledge the case of ${kase.patient.ref}` },
    field(
      "Acknowledgement note (optional)",
      h("textarea", { name: "note", maxlength: "2000", rows: "2" }),
    ),
    button,
    summary,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // The count shown: a case that gathered more since is refused, and shown again.
    const body = {
      note: new FormData(form).get("note").trim() || null,
      seen_alerts: kase.alert_count,
    };
    post(`/api/v1/cases/${kase.id}/acknowledge`, body, button, form, summary, (updated) => {
      announce("Case acknowledged.");
      document.dispatchEvent(new CustomEvent("waypoint:case-changed"));
      // The card stays where the nurse is working (the call log, the resolve form) instead
      // of leaving the list of open cases under their hands; the list moves on next load.
      redraw(updated);
    });
  });
  return form;
}

function outcomeSummary(kase) {
  const o = kase.outcome;
  const resolvedLine = h(
    "p",
    { class: "meta" },
    `Resolved ${relative(kase.resolved_at)}`,
    kase.resolved_by ? ` by ${kase.resolved_by.name}` : "",
    kase.resolution_note ? `: “${kase.resolution_note}”` : "",
  );
  if (!o) return resolvedLine;
  const contact = o.contact.made
    ? `Reached by ${METHOD_WORDS[o.contact.method].toLowerCase()}, ${when(o.contact.at)}`
    : "Not reached";
  return h(
    "div",
    { class: "outcome" },
    resolvedLine,
    h(
      "dl",
      {},
      h("dt", {}, "Contact"),
      h("dd", {}, contact),
      h("dt", {}, "Risk level"),
      h("dd", {}, RISK_WORDS[o.risk_level]),
      h("dt", {}, "Plan"),
      h(
        "dd",
        {},
        o.plan.map((p) => PLAN_WORDS[p]).join("; "),
        o.plan_note ? `. ${o.plan_note}` : "",
      ),
      h("dt", {}, "Next contact"),
      h("dd", {}, day(o.next_contact_on)),
    ),
  );
}

async function fillDetails(container, caseId, level) {
  container.replaceChildren(h("p", { class: "meta" }, "Loading…"));
  try {
    const { body } = await request("GET", `/api/v1/cases/${caseId}`);
    container.replaceChildren(
      h(`h${level + 1}`, {}, "Timeline"),
      timelineList(body.timeline),
      h("div", { class: "table-wrap" }, deliveriesTable(body.delivery_list, body.priority)),
    );
  } catch (error) {
    container.replaceChildren(h("p", { class: "error" }, errorText(error)));
  }
}

/** A card for `kase`: acknowledging and logging a call redraw it in place; `changed()` runs after it is resolved. */
export function caseCard(kase, { showPatient = true, changed = () => {}, level = 2 } = {}) {
  const details = h("details", {}, h("summary", {}, "Timeline and deliveries"));
  const inner = h("div", {});
  details.append(inner);
  details.addEventListener("toggle", () => {
    if (details.open) fillDetails(inner, kase.id, level);
  });
  const reasons = kase.alerts.length;
  const ackLine =
    kase.acknowledged_at &&
    h(
      "p",
      { class: "meta" },
      `Acknowledged ${relative(kase.acknowledged_at)}`,
      kase.acknowledged_by ? ` by ${kase.acknowledged_by.name}` : "",
      kase.ack_note ? `: “${kase.ack_note}”` : "",
    );
  const open = kase.status !== "resolved";
  const options = { showPatient, changed, level };
  const slot = { card: null };
  const redraw = (updated) => slot.card.replaceWith(caseCard(updated, options));
  slot.card = h(
    "li",
    {
      class: `alert-item case p-${kase.priority}`,
      "data-case": kase.id,
      "data-status": kase.status,
    },
    h(
      `h${level}`,
      {},
      h("span", { class: `pri pri-${kase.priority}` }, PRIORITY_WORDS[kase.priority]),
      " ",
      showPatient
        ? h("a", { href: `/clinic/patients/${kase.patient.id}` }, kase.patient.display_name)
        : "Case",
      showPatient ? h("span", { class: "ref" }, kase.patient.ref) : null,
    ),
    h(
      "p",
      { class: "meta case-status" },
      `${STATUS_WORDS[kase.status]} · ${reasons} reason${reasons === 1 ? "" : "s"}`,
      kase.status === "open" || kase.new_since_acknowledged
        ? ` · waiting since ${when(kase.waiting_since)} (${relative(kase.waiting_since)})`
        : "",
    ),
    kase.new_since_acknowledged
      ? h(
          "p",
          { class: "flag new-reasons" },
          `${kase.new_since_acknowledged} new since it was acknowledged`,
        )
      : null,
    h("ul", { class: "plain reasons" }, kase.alerts.map(reasonItem)),
    h("p", { class: "meta" }, deliverySummary(kase.deliveries, kase.priority)),
    ackLine,
    kase.status === "resolved" ? outcomeSummary(kase) : null,
    kase.status === "open" || kase.new_since_acknowledged ? acknowledgeForm(kase, redraw) : null,
    h(
      "div",
      { class: "call-log" },
      h(`h${level + 1}`, {}, "Call log"),
      contactsList(kase),
      open ? contactForm(kase, redraw) : null,
    ),
    open ? resolveForm(kase, changed) : null,
    details,
  );
  return slot.card;
}
