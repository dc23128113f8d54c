// The session list and the monitored-session form: drug and dose, timed readings flagged
// against the clinic's lines as they are typed, sedation, dissociation, breathing, the
// monitoring times (the esketamine two-hour rule), concomitant medication, adverse events.

import { request } from "/pwa/js/api.js";
import { announce, h } from "/pwa/js/dom.js";
import { showFieldErrors } from "./field_errors.js";
import { DRUG_WORDS, MODALITY_WORDS, bp, doseWords, when } from "./format.js";
import { plannedCourses } from "./patient_courses.js";
import { READING_WORDS, monitoringFlags } from "./session_flags.js";

const DEVICE_MG = 28;
const MINIMUM_MINUTES = 120;
/** Where each checkpoint's time starts when a new session is recorded (minutes after dose). */
const DEFAULT_OFFSETS = { pre_dose: 0, post_40: 40, discharge: 120 };
const CHECKPOINTS = ["pre_dose", "post_40", "discharge"];
const READING_VALUES = [
  ["systolic", "Systolic (mmHg)"],
  ["diastolic", "Diastolic (mmHg)"],
  ["heart_rate", "Heart rate (/min)"],
  ["spo2", "SpO2 (%)"],
];
const MOAAS_WORDS = [
  [5, "5: responds readily to name in a normal tone"],
  [4, "4: lethargic response to name in a normal tone"],
  [3, "3: responds only when name is called loudly or repeatedly"],
  [2, "2: responds only after mild prodding or shaking"],
  [1, "1: responds only after a painful trapezius squeeze"],
  [0, "0: no response to a painful trapezius squeeze"],
];
const CONCOMITANT = [
  ["benzodiazepines", "Benzodiazepines"],
  ["sedative_hypnotics", "Non-benzodiazepine sedative-hypnotics"],
  ["opioids", "Opioids"],
  ["psychostimulants", "Psychostimulants"],
  ["maois", "MAOIs"],
];
const YES_NO = [
  "sedation",
  "dissociation",
  "respiratory_depression",
  "vitals_ok_pre",
  "vitals_ok_discharge",
  "serious_adverse_event",
];
const TIMES = ["monitoring_started_at", "monitoring_ended_at", "ready_to_leave_at"];
const TEXTS = [
  "lot_number",
  "respiratory_note",
  "early_leave_reason",
  "serious_adverse_event_note",
  "adverse_events",
  "notes",
];

function localInputValue(iso) {
  if (iso === "") return "";
  const date = iso ? new Date(iso) : new Date();
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 16);
}

function fromLocal(value) {
  return value ? new Date(value).toISOString() : null;
}

function numberOrNull(raw) {
  const text = String(raw).trim();
  return text === "" ? null : Number(text);
}

function plusMinutes(local, minutes) {
  if (!local) return "";
  return localInputValue(new Date(new Date(local).getTime() + minutes * 60000).toISOString());
}

const idOf = (name) => `session-${name.replaceAll(".", "-")}`;

function field(label, control, { wide = false, hint = null } = {}) {
  return h(
    "div",
    { class: wide ? "field wide" : "field" },
    h("label", { for: control.id }, label),
    control,
    hint,
  );
}

function input(name, attrs = {}) {
  return h("input", { id: idOf(name), name, ...attrs });
}

function select(name, options, current, attrs = {}) {
  return h(
    "select",
    { id: idOf(name), name, ...attrs },
    options.map(([value, words]) =>
      h(
        "option",
        { value: String(value), selected: String(current ?? "") === String(value) },
        words,
      ),
    ),
  );
}

function yesNo(name, current) {
  const value = current === true ? "yes" : current === false ? "no" : "";
  return select(
    name,
    [
      ["", "Not recorded"],
      ["yes", "Yes"],
      ["no", "No"],
    ],
    value,
  );
}

function textarea(name, existing, limit) {
  return h(
    "textarea",
    { id: idOf(name), name, maxlength: String(limit) },
    existing && existing[name] ? existing[name] : "",
  );
}

/** One reading's row: kind, time, the four values, its flags, a remove button. */
function readingRow(index, reading, onRemove) {
  const prefix = `readings.${index}`;
  const row = h("div", { class: "reading", "data-kind": reading.kind, "data-index": index });
  const kind = select(
    `${prefix}.kind`,
    Object.entries(READING_WORDS).map(([k, words]) => [k, words[0].toUpperCase() + words.slice(1)]),
    reading.kind,
  );
  kind.addEventListener("change", () => {
    row.dataset.kind = kind.value;
  });
  const time = input(`${prefix}.taken_at`, {
    type: "datetime-local",
    value: reading.taken_at ? localInputValue(reading.taken_at) : (reading.local ?? ""),
  });
  if (reading.local !== undefined) time.dataset.auto = "true";
  time.addEventListener("input", () => delete time.dataset.auto);
  const values = READING_VALUES.map(([name, label]) =>
    field(
      label,
      input(`${prefix}.${name}`, {
        type: "number",
        step: "1",
        min: "0",
        inputmode: "numeric",
        value: reading[name] ?? "",
      }),
    ),
  );
  const remove = h(
    "button",
    { type: "button", class: "secondary", "aria-label": `Remove reading ${index + 1}` },
    "Remove",
  );
  remove.addEventListener("click", onRemove);
  row.append(
    h(
      "div",
      { class: "form-grid", "data-error-for": prefix },
      field("Reading", kind),
      field("Time", time),
      values,
      h("div", { class: "field" }, remove),
    ),
    h("div", { class: "reading-flags", "aria-live": "polite" }),
  );
  return row;
}

function readingsOf(list) {
  return [...list.querySelectorAll(".reading")].map((row) => {
    const index = row.dataset.index;
    const get = (name) => row.querySelector(`[name="readings.${index}.${name}"]`).value;
    return {
      kind: get("kind"),
      taken_at: fromLocal(get("taken_at")),
      systolic: numberOrNull(get("systolic")),
      diastolic: numberOrNull(get("diastolic")),
      heart_rate: numberOrNull(get("heart_rate")),
      spo2: numberOrNull(get("spo2")),
    };
  });
}

function flagNote(flag) {
  return h(
    "p",
    { class: `session-flag flag-${flag.level}`, "data-field": flag.field },
    h("strong", {}, flag.level === "urgent" ? "Urgent: " : "Caution: "),
    flag.message,
    flag.level === "urgent" ? " The on-site team is alerted when this is saved." : "",
  );
}

function sessionForm(patientId, list, existing, done) {
  const thresholds = list.thresholds;
  const at = input("administered_at", {
    type: "datetime-local",
    required: true,
    value: localInputValue(existing && existing.administered_at),
  });
  const drug = select(
    "drug",
    [["", existing ? "Not recorded" : "Choose…"], ...Object.entries(DRUG_WORDS)],
    existing ? existing.drug : "",
    { required: !existing || Boolean(existing.drug) },
  );
  const modality = select(
    "modality",
    Object.entries(MODALITY_WORDS),
    existing ? existing.modality : "iv",
    { required: true },
  );
  const number = (name, step, value) =>
    input(name, { type: "number", step, min: "0", value: value ?? "" });
  const dose = number("dose_mg", "0.01", existing && existing.dose_mg);
  const perKg = number("dose_mg_per_kg", "0.001", existing && existing.dose_mg_per_kg);
  const devices = number("devices", "1", existing && existing.devices);
  const devicesField = field(`Devices (${DEVICE_MG} mg each)`, devices);
  devices.addEventListener("input", () => {
    const count = numberOrNull(devices.value);
    if (count) dose.value = String(count * DEVICE_MG);
  });
  const lot = input("lot_number", {
    type: "text",
    maxlength: "40",
    autocomplete: "off",
    value: (existing && existing.lot_number) || "",
  });
  const showDevices = () => {
    devicesField.hidden = !(drug.value === "esketamine" && modality.value === "intranasal");
  };
  drug.addEventListener("change", () => {
    // Esketamine is a nasal spray: its route follows (the server refuses another).
    if (drug.value === "esketamine") modality.value = "intranasal";
    showDevices();
  });
  modality.addEventListener("change", showDevices);
  showDevices();

  const course = h(
    "select",
    { id: idOf("course"), name: "course", "data-error-for": "course_id" },
    existing
      ? null
      : h("option", { value: "" }, list.courses.length ? "Latest course" : "First course"),
    list.courses.map((c) =>
      h(
        "option",
        { value: String(c.id), selected: existing && existing.course_id === c.id },
        c.label,
      ),
    ),
    existing ? null : h("option", { value: "new" }, "Start a new course…"),
  );
  const newLabel = input("new_course_label", { type: "text", maxlength: "100", value: "" });
  const newNote = h(
    "p",
    { class: "meta", id: idOf("new-course-note") },
    "Starting a new course starts a new baseline: this course's change, response and " +
      "remission are measured from its first session. The first-ever baseline and the " +
      "lowest score are kept, and a worsening against the lowest score stays flagged " +
      "until someone dismisses it.",
  );
  newLabel.setAttribute("aria-describedby", newNote.id);
  const newField = h("div", { class: "field wide", hidden: true });
  newField.append(h("label", { for: newLabel.id }, "New course name"), newLabel, newNote);
  course.addEventListener("change", () => {
    newField.hidden = course.value !== "new";
  });

  // Readings: the three checkpoints to start with, their times from the dose's.
  const readingList = h("div", { class: "readings" });
  const initial = existing
    ? existing.readings
    : CHECKPOINTS.map((kind) => ({ kind, local: plusMinutes(at.value, DEFAULT_OFFSETS[kind]) }));
  const drawReadings = (items) => {
    readingList.replaceChildren(
      ...items.map((r, i) =>
        readingRow(i, r, () => {
          const kept = readingsOf(readingList).filter((_, j) => j !== i);
          drawReadings(kept);
          refresh();
        }),
      ),
    );
  };
  const addReading = h("button", { type: "button", class: "secondary" }, "Add a further reading");
  addReading.addEventListener("click", () => {
    const current = readingsOf(readingList);
    current.push({ kind: "further", local: localInputValue(null) });
    drawReadings(current);
    readingList.querySelector(".reading:last-child select").focus();
    refresh();
  });
  at.addEventListener("change", () => {
    for (const row of readingList.querySelectorAll(".reading")) {
      const time = row.querySelector("input[type=datetime-local]");
      const offset = DEFAULT_OFFSETS[row.dataset.kind];
      if (time.dataset.auto && offset !== undefined) time.value = plusMinutes(at.value, offset);
    }
  });

  const moaas = select(
    "moaas",
    [["", "Not recorded"], ...MOAAS_WORDS],
    existing ? existing.moaas : "",
  );
  const cadss = number("cadss", "1", existing && existing.cadss);
  const cadssForm = select(
    "cadss_form",
    [
      ["", "Not used"],
      ["full", "Full CADSS (0-92)"],
      ["cadss6", "CADSS-6 (0-24)"],
    ],
    existing ? existing.cadss_form : "",
  );
  const observationFlags = h("div", { class: "reading-flags", "aria-live": "polite" });
  const times = Object.fromEntries(
    TIMES.map((name) => [
      name,
      input(name, {
        type: "datetime-local",
        value: existing && existing[name] ? localInputValue(existing[name]) : "",
      }),
    ]),
  );
  const earlyNote = h("p", { class: "hint", id: idOf("early-note"), "aria-live": "polite" });
  const early = textarea("early_leave_reason", existing, 1000);
  early.setAttribute("aria-describedby", earlyNote.id);
  const taken = new Set((existing && existing.concomitant_classes) || []);
  const noneTaken = Boolean(existing && existing.concomitant_classes && !taken.size);
  const concomitant = h(
    "fieldset",
    { class: "checks", "data-error-for": "concomitant_classes concomitant_classes.0" },
    h("legend", {}, "Concomitant medication the patient takes"),
    CONCOMITANT.map(([value, words]) =>
      h(
        "label",
        {},
        h("input", { type: "checkbox", name: "concomitant", value, checked: taken.has(value) }),
        ` ${words}`,
      ),
    ),
    h(
      "label",
      {},
      h("input", { type: "checkbox", name: "concomitant_none", checked: noneTaken }),
      " None of these",
    ),
  );
  const flagSummary = h("div", { id: "session-flags", role: "status", "aria-live": "polite" });
  const error = h("p", { class: "error", role: "alert" });
  const save = h("button", { type: "submit" }, existing ? "Save changes" : "Record session");
  const yesNoField = (name, label) => field(label, yesNo(name, existing && existing[name]));
  const form = h(
    "form",
    {
      id: existing ? "session-edit" : "session-form",
      "aria-label": existing ? "Correct session" : "Record a session",
    },
    h(
      "fieldset",
      {},
      h("legend", {}, "Drug and dose"),
      h(
        "div",
        { class: "form-grid" },
        field("Date and time of dose", at),
        field("Drug", drug),
        field("Route", modality),
        field("Dose (mg)", dose),
        field("Dose (mg/kg, IV, IM or subcutaneous)", perKg),
        devicesField,
        field("Lot number", lot),
        field("Course", course),
        newField,
      ),
    ),
    h(
      "fieldset",
      { "data-error-for": "readings" },
      h("legend", {}, "Readings: blood pressure, heart rate, pulse oximetry"),
      readingList,
      h("div", { class: "actions" }, addReading),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Sedation, dissociation, breathing"),
      h(
        "div",
        { class: "form-grid" },
        field("Lowest MOAA/S", moaas),
        yesNoField("sedation", "Sedation"),
        field("CADSS score", cadss),
        field("CADSS used", cadssForm),
        yesNoField("dissociation", "Dissociation"),
        yesNoField("respiratory_depression", "Respiratory depression"),
        field("Breathing: what was seen and done", textarea("respiratory_note", existing, 1000), {
          wide: true,
        }),
      ),
      observationFlags,
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Monitoring"),
      h(
        "div",
        { class: "form-grid" },
        field("Monitoring started", times.monitoring_started_at),
        field("Monitoring ended", times.monitoring_ended_at),
        field("Ready to leave (without the 2-hour rule)", times.ready_to_leave_at),
        yesNoField("vitals_ok_pre", "Vital signs acceptable before dosing"),
        yesNoField("vitals_ok_discharge", "Vital signs acceptable before leaving"),
        field("Reason for leaving before 2 hours", early, { wide: true, hint: earlyNote }),
      ),
    ),
    concomitant,
    h(
      "fieldset",
      {},
      h("legend", {}, "Adverse events"),
      h(
        "div",
        { class: "form-grid" },
        yesNoField("serious_adverse_event", "Serious adverse event"),
        field(
          "Serious adverse event: what happened",
          textarea("serious_adverse_event_note", existing, 2000),
          {
            wide: true,
          },
        ),
        field("Other adverse events", textarea("adverse_events", existing, 2000), { wide: true }),
        field("Notes", textarea("notes", existing, 5000), { wide: true }),
      ),
    ),
    flagSummary,
    error,
    h("div", { class: "actions" }, save),
  );

  function values() {
    const body = {
      administered_at: fromLocal(at.value),
      modality: modality.value,
      drug: drug.value || null,
      dose_mg: numberOrNull(dose.value),
      dose_mg_per_kg: numberOrNull(perKg.value),
      devices: devicesField.hidden ? null : numberOrNull(devices.value),
      moaas: numberOrNull(moaas.value),
      cadss: numberOrNull(cadss.value),
      cadss_form: cadssForm.value || null,
      readings: readingsOf(readingList).filter((r) =>
        [r.systolic, r.diastolic, r.heart_rate, r.spo2].some((v) => v !== null),
      ),
    };
    for (const name of YES_NO) {
      const value = form.elements[name].value;
      body[name] = value === "" ? null : value === "yes";
    }
    for (const name of TIMES) body[name] = fromLocal(times[name].value);
    for (const name of TEXTS) body[name] = form.elements[name].value.trim() || null;
    const ticked = [...form.querySelectorAll("input[name=concomitant]:checked")].map(
      (box) => box.value,
    );
    const none = form.elements.concomitant_none.checked;
    body.concomitant_classes = ticked.length ? ticked : none ? [] : null;
    return body;
  }

  function refresh() {
    const current = values();
    const all = readingsOf(readingList);
    const flags = monitoringFlags({ ...current, readings: all }, thresholds);
    for (const row of readingList.querySelectorAll(".reading")) {
      const prefix = `readings.${row.dataset.index}.`;
      const box = row.querySelector(".reading-flags");
      box.replaceChildren(...flags.filter((f) => f.field.startsWith(prefix)).map(flagNote));
    }
    observationFlags.replaceChildren(
      ...flags.filter((f) => !f.field.startsWith("readings.")).map(flagNote),
    );
    const urgent = flags.filter((f) => f.level === "urgent").length;
    flagSummary.textContent = flags.length
      ? `${flags.length} reading${flags.length === 1 ? "" : "s"} flagged` +
        (urgent ? `, ${urgent} urgent.` : ".")
      : "";
    earlyNote.textContent = "";
    const start = current.monitoring_started_at;
    const end = current.monitoring_ended_at;
    if (current.drug === "esketamine" && start && end) {
      const minutes = Math.floor((new Date(end) - new Date(start)) / 60000);
      if (minutes > 0 && minutes < MINIMUM_MINUTES)
        earlyNote.textContent = `Monitoring lasted ${minutes} minutes; the esketamine REMS asks for at least 2 hours. Say why the patient left earlier.`;
    }
  }

  drawReadings(initial);
  // On "input" only: every field, select and box sends one as it changes. A second redraw on
  // "change" ran when a field lost its focus, which is the mousedown on "Record session":
  // the flags moved the button under the pointer and the click was lost (a walk found it).
  form.addEventListener("input", refresh);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = values();
    if (course.value === "new") body.new_course_label = newLabel.value.trim() || "New course";
    else if (course.value) body.course_id = Number(course.value);
    if (existing && !body.drug) delete body.drug; // a carried-over session stays "not recorded"
    save.disabled = true;
    try {
      const base = `/api/v1/patients/${patientId}/sessions`;
      if (existing) await request("PATCH", `${base}/${existing.id}`, body);
      else await request("POST", base, body);
      announce(existing ? "Session corrected." : "Session recorded.");
      done();
    } catch (failure) {
      // Each refusal beside its field, in the API's words; the rest above the button.
      showFieldErrors(form, failure, error);
      save.disabled = false;
    }
  });
  queueMicrotask(refresh);
  return form;
}

function flagWords(s) {
  if (!s.flags.length) return "";
  const urgent = s.flags.filter((f) => f.level === "urgent").length;
  return urgent
    ? `${urgent} urgent, ${s.flags.length - urgent} caution`
    : `${s.flags.length} caution`;
}

function reading(s, kind) {
  const r = (s.readings || []).find((x) => x.kind === kind);
  return r ? bp(r.systolic, r.diastolic) : "";
}

/** The sessions card: table, edit and delete per row, and the form for a new one. */
export function sessionsCard(patientId, list, refresh) {
  const editor = h("div", {});
  const rows = list.items
    .slice()
    .reverse()
    .map((s) => {
      const edit = h("button", { type: "button", class: "secondary" }, "Correct");
      const remove = h("button", { type: "button", class: "danger" }, "Delete");
      edit.addEventListener("click", () => {
        editor.replaceChildren(
          h("h3", {}, `Correct the session of ${when(s.administered_at)}`),
          sessionForm(patientId, list, s, refresh),
        );
        editor.querySelector("input").focus();
      });
      remove.addEventListener("click", async () => {
        if (
          !window.confirm(
            `Delete the session of ${when(s.administered_at)}? It leaves the chart; the audit trail keeps it.`,
          )
        )
          return;
        await request("DELETE", `/api/v1/patients/${patientId}/sessions/${s.id}`);
        announce("Session deleted.");
        refresh();
      });
      return h(
        "tr",
        {},
        h("td", {}, when(s.administered_at)),
        h("td", {}, s.drug ? DRUG_WORDS[s.drug] : "Not recorded"),
        h("td", {}, MODALITY_WORDS[s.modality]),
        h("td", {}, doseWords(s)),
        h("td", {}, reading(s, "pre_dose")),
        h("td", {}, reading(s, "post_40")),
        h("td", { class: "num" }, s.cadss ?? ""),
        h("td", { class: s.flags.some((f) => f.level === "urgent") ? "flag" : "" }, flagWords(s)),
        h(
          "td",
          {},
          s.rems_record_id ? h("a", { href: `/clinic/rems/${s.rems_record_id}` }, "REMS form") : "",
        ),
        h("td", {}, s.course_label),
        h("td", {}, h("div", { class: "actions" }, edit, remove)),
      );
    });
  const table = h(
    "table",
    { id: "sessions" },
    h(
      "caption",
      {},
      `${list.items.length} session${list.items.length === 1 ? "" : "s"}, newest first`,
    ),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        [
          "When",
          "Drug",
          "Route",
          "Dose",
          "BP before",
          "BP ~40 min",
          "CADSS",
          "Flags",
          "REMS",
          "Course",
          "Actions",
        ].map((t) => h("th", { scope: "col" }, t)),
      ),
    ),
    h("tbody", {}, rows),
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "sessions-heading" },
    h("h2", { id: "sessions-heading" }, "Treatment sessions"),
    h("div", { class: "table-wrap" }, table),
    plannedCourses(patientId, list.planned || [], refresh),
    editor,
    h(
      "details",
      {},
      h("summary", {}, "Record a monitored session"),
      sessionForm(patientId, list, null, refresh),
    ),
  );
}
