// Esketamine REMS records: the due list (forms not yet marked submitted, overdue past 7 days)
// and one Patient Monitoring Form as a printable page. Waypoint never submits to the REMS:
// staff send the form on the REMS portal or by fax, then mark it submitted here.

import { request } from "/pwa/js/api.js";
import { announce, h, show } from "/pwa/js/dom.js";
import { showFieldErrors } from "./field_errors.js";
import { day, when } from "./format.js";

/** The form's sections in its order, each field with the words the page prints. */
const SECTIONS = [
  [
    "Patient",
    [
      ["patient_name", "Name"],
      ["patient_ref", "Waypoint reference"],
      ["patient_birthdate", "Date of birth"],
      ["patient_sex", "Sex"],
      ["first_treatment", "First treatment session?"],
    ],
  ],
  [
    "Concomitant medication (may cause sedation or blood pressure changes)",
    [
      ["concomitant_benzodiazepines", "Benzodiazepines"],
      ["concomitant_sedative_hypnotics", "Non-benzodiazepine sedative-hypnotics"],
      ["concomitant_opioids", "Opioids"],
      ["concomitant_psychostimulants", "Psychostimulants"],
      ["concomitant_maois", "MAOIs"],
    ],
  ],
  [
    "Healthcare provider conducting monitoring",
    [
      ["monitor_name", "Name"],
      ["monitor_email", "Email"],
      ["monitor_telephone", "Telephone"],
    ],
  ],
  [
    "Healthcare setting",
    [
      ["setting_name", "Name"],
      ["setting_address", "Address"],
    ],
  ],
  [
    "Treatment session",
    [
      ["treatment_date", "Treatment date"],
      ["dose_mg", "Dose administered (mg)"],
      ["devices", "Devices (28 mg each)"],
      ["lot_number", "Lot number"],
      ["total_monitoring_minutes", "Total time (minutes, first device to end of monitoring)"],
      ["ready_to_leave_minutes", "Ready to leave without the 2-hour minimum (minutes)"],
      ["early_leave_reason", "Reason monitoring ended before 2 hours"],
    ],
  ],
  [
    "Vital signs and blood pressure",
    [
      ["vitals_ok_pre", "Vital signs in acceptable range before administration"],
      ["vitals_ok_discharge", "Vital signs in acceptable range before session completion"],
      ["bp_pre_dose", "Blood pressure before administration (mmHg)"],
      ["bp_post_40", "Blood pressure 40 minutes after (mmHg)"],
      ["bp_discharge", "Blood pressure before session completion (mmHg)"],
    ],
  ],
  [
    "Sedation, dissociation, respiratory depression",
    [
      ["sedation", "Sedation"],
      ["moaas_lowest", "Lowest MOAA/S"],
      ["dissociation", "Dissociation"],
      ["cadss", "CADSS"],
      ["respiratory_depression", "Respiratory depression"],
      ["respiratory_note", "Breathing: what was seen and done"],
      ["spo2_lowest", "Lowest SpO2 (%)"],
    ],
  ],
  [
    "Adverse events",
    [
      ["serious_adverse_event", "Serious adverse event"],
      ["serious_adverse_event_note", "What happened"],
    ],
  ],
];

function answer(value) {
  if (value === true) return "Yes";
  if (value === false) return "No";
  if (value === null || value === undefined || value === "") return null;
  return String(value);
}

function dueWords(item) {
  if (item.overdue) return "Overdue";
  return item.days_left === 0 ? "Due within a day" : `${item.days_left} days left`;
}

/** The clinic's REMS forms not yet marked submitted, the longest waiting first. */
export async function renderRemsDue(main) {
  const { body } = await request("GET", "/api/v1/rems/due");
  const overdue = body.items.filter((i) => i.overdue).length;
  const rows = body.items.map((item) =>
    h(
      "tr",
      { "data-overdue": String(item.overdue) },
      h("td", {}, h("a", { href: `/clinic/patients/${item.patient_id}` }, item.patient_name)),
      h("td", {}, when(item.administered_at)),
      h("td", {}, day(item.due_at)),
      h("td", { class: item.overdue ? "flag" : "" }, dueWords(item)),
      h("td", {}, item.missing.length ? `${item.missing.length} to complete` : "Complete"),
      h("td", {}, h("a", { href: `/clinic/rems/${item.id}` }, "Open form")),
    ),
  );
  const table = h(
    "table",
    { id: "rems-due" },
    h("caption", {}, `${body.items.length} not yet submitted, ${overdue} overdue`),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Patient", "Session", "Due", "State", "Form", ""].map((t) =>
          h("th", { scope: "col" }, t || h("span", { class: "visually-hidden" }, "Open")),
        ),
      ),
    ),
    h("tbody", {}, rows),
  );
  show(
    main,
    "REMS forms",
    h("h1", {}, "REMS Patient Monitoring Forms"),
    h(
      "p",
      { class: "meta" },
      "Every esketamine session's form is due within 7 days. Waypoint fills it from the " +
        "session; staff submit it on the REMS portal or by fax, then mark it submitted here.",
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "rems-due-heading" },
      h("h2", { id: "rems-due-heading" }, "Not yet submitted"),
      body.items.length
        ? h("div", { class: "table-wrap" }, table)
        : h("p", {}, "Every form is marked submitted."),
    ),
  );
}

function section(title, items, fields, toFill, missing) {
  return h(
    "section",
    { class: "rems-section" },
    h("h2", {}, title),
    h(
      "dl",
      { class: "rems-fields" },
      items.map(([name, label]) => {
        const value = answer(fields[name]);
        const blank = toFill.includes(name);
        return [
          h("dt", {}, label),
          h(
            "dd",
            { "data-field": name, class: missing.includes(name) ? "missing" : "" },
            value ?? (blank ? "(write in)" : missing.includes(name) ? "Missing" : "—"),
          ),
        ];
      }),
    ),
  );
}

function submittedForm(record, reload) {
  const when_ = h("input", {
    id: "rems-submitted-at",
    name: "submitted_at",
    type: "datetime-local",
  });
  const reference = h("input", {
    id: "rems-reference",
    name: "reference",
    type: "text",
    maxlength: "100",
    autocomplete: "off",
  });
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { id: "rems-submitted", "aria-label": "Mark submitted" },
    h(
      "div",
      { class: "form-grid" },
      h(
        "div",
        { class: "field" },
        h("label", { for: when_.id }, "Submitted at (now if empty)"),
        when_,
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: reference.id }, "REMS confirmation or fax reference (optional)"),
        reference,
      ),
    ),
    error,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Mark submitted")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { reference: reference.value.trim() || null };
    if (when_.value) body.submitted_at = new Date(when_.value).toISOString();
    try {
      await request("POST", `/api/v1/rems/records/${record.id}/submitted`, body);
      announce("Marked submitted.");
      reload();
    } catch (failure) {
      showFieldErrors(form, failure, error);
    }
  });
  return form;
}

/** One Patient Monitoring Form, printable, with its state and the mark-submitted form. */
export async function renderRemsRecord(main, id) {
  const { body: record } = await request("GET", `/api/v1/rems/records/${id}`);
  const state = record.submitted_at
    ? `Marked submitted ${when(record.submitted_at)}` +
      (record.submission_reference ? ` (reference ${record.submission_reference})` : "")
    : record.overdue
      ? `Overdue: was due ${day(record.due_at)}`
      : `Due ${day(record.due_at)}`;
  const print = h("button", { type: "button", class: "secondary" }, "Print");
  print.addEventListener("click", () => window.print());
  show(
    main,
    "REMS form",
    h("h1", {}, "SPRAVATO REMS Patient Monitoring Form"),
    h("p", { id: "rems-state", class: record.overdue ? "flag" : "meta" }, state),
    h(
      "p",
      { class: "page-actions actions" },
      print,
      h(
        "a",
        { href: `/api/v1/rems/records/${record.id}/csv`, download: "", class: "button secondary" },
        "Download CSV",
      ),
      h("a", { href: "/clinic/rems" }, "All forms due"),
    ),
    record.missing.length
      ? h(
          "p",
          { class: "error", id: "rems-missing" },
          `${record.missing.length} required answer${record.missing.length === 1 ? " is" : "s are"} missing: correct the session first.`,
        )
      : null,
    record.changed_since_submitted.length
      ? h(
          "p",
          { class: "flag" },
          `Corrected since it was marked submitted: ${record.changed_since_submitted.join(", ")}. A corrected form may be owed.`,
        )
      : null,
    h(
      "article",
      { class: "card rems-form", "aria-label": "Patient Monitoring Form" },
      SECTIONS.map(([title, items]) =>
        section(title, items, record.fields, record.to_fill, record.missing),
      ),
      h(
        "p",
        { class: "meta" },
        "Waypoint does not hold the answers marked “write in”: complete them on the printout " +
          "or on the REMS portal.",
      ),
    ),
    record.submitted_at
      ? null
      : h(
          "section",
          { class: "card", "aria-labelledby": "rems-submit-heading" },
          h("h2", { id: "rems-submit-heading" }, "After sending it to the REMS"),
          submittedForm(record, () => renderRemsRecord(main, id)),
        ),
  );
}
