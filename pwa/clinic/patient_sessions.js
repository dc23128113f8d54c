// The session list and the form that records or corrects a session.

import { request } from "/pwa/js/api.js";
import { announce, h } from "/pwa/js/dom.js";
import { showFieldErrors } from "./field_errors.js";
import { MODALITY_WORDS, bp, doseWords, when } from "./format.js";

const NUMBER_FIELDS = [
  ["dose_mg", "Dose (mg)", "0.01"],
  ["dose_mg_per_kg", "Dose (mg/kg, IV or IM)", "0.001"],
  ["bp_pre_systolic", "BP before: systolic", "1"],
  ["bp_pre_diastolic", "BP before: diastolic", "1"],
  ["bp_post_systolic", "BP ~40 min after: systolic", "1"],
  ["bp_post_diastolic", "BP ~40 min after: diastolic", "1"],
  ["cadss", "CADSS (0-92, if used)", "1"],
];

function localInputValue(iso) {
  const date = iso ? new Date(iso) : new Date();
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 16);
}

function sessionForm(patientId, courses, existing, done) {
  const id = (name) => `session-${name}`;
  const input = (name, attrs = {}) => h("input", { id: id(name), name, ...attrs });
  const at = input("administered_at", {
    type: "datetime-local",
    required: true,
    value: localInputValue(existing && existing.administered_at),
  });
  const modality = h(
    "select",
    { id: id("modality"), name: "modality", required: true },
    Object.entries(MODALITY_WORDS).map(([value, words]) =>
      h(
        "option",
        { value, selected: existing ? existing.modality === value : value === "iv" },
        words,
      ),
    ),
  );
  const numbers = NUMBER_FIELDS.map(([name, label, step]) => {
    const value =
      existing && existing[name] !== null && existing[name] !== undefined ? existing[name] : "";
    return h(
      "div",
      { class: "field" },
      h("label", { for: id(name) }, label),
      input(name, { type: "number", step, min: "0", value }),
    );
  });
  const course = h(
    "select",
    { id: id("course"), name: "course", "data-error-for": "course_id" },
    existing ? null : h("option", { value: "" }, courses.length ? "Latest course" : "First course"),
    courses.map((c) =>
      h(
        "option",
        { value: String(c.id), selected: existing && existing.course_id === c.id },
        c.label,
      ),
    ),
    existing ? null : h("option", { value: "new" }, "Start a new course…"),
  );
  const newLabel = input("new_course_label", { type: "text", maxlength: "100", value: "" });
  const newField = h(
    "div",
    { class: "field wide", hidden: true },
    h("label", { for: id("new_course_label") }, "New course name"),
    newLabel,
    h(
      "p",
      { class: "meta", id: id("new-course-note") },
      "Starting a new course starts a new baseline: this course's change, response and " +
        "remission are measured from its first session. The first-ever baseline and the " +
        "lowest score are kept, and a worsening against the lowest score stays flagged " +
        "until someone dismisses it.",
    ),
  );
  newLabel.setAttribute("aria-describedby", id("new-course-note"));
  course.addEventListener("change", () => {
    newField.hidden = course.value !== "new";
  });
  const text = (name, label) =>
    h(
      "div",
      { class: "field wide" },
      h("label", { for: id(name) }, label),
      h(
        "textarea",
        { id: id(name), name, maxlength: name === "notes" ? "5000" : "2000" },
        existing && existing[name] ? existing[name] : "",
      ),
    );
  const error = h("p", { class: "error", role: "alert" });
  const save = h("button", { type: "submit" }, existing ? "Save changes" : "Record session");
  const form = h(
    "form",
    {
      id: existing ? "session-edit" : "session-form",
      "aria-label": existing ? "Correct session" : "Record a session",
    },
    h(
      "div",
      { class: "form-grid" },
      h("div", { class: "field" }, h("label", { for: id("administered_at") }, "Date and time"), at),
      h("div", { class: "field" }, h("label", { for: id("modality") }, "Route"), modality),
      numbers,
      h("div", { class: "field" }, h("label", { for: id("course") }, "Course"), course),
      newField,
      text("adverse_events", "Adverse events"),
      text("notes", "Notes"),
    ),
    error,
    h("div", { class: "actions" }, save),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { administered_at: new Date(at.value).toISOString(), modality: modality.value };
    for (const [name] of NUMBER_FIELDS) {
      const raw = form.elements[name].value.trim();
      body[name] = raw === "" ? null : Number(raw);
    }
    for (const name of ["adverse_events", "notes"])
      body[name] = form.elements[name].value.trim() || null;
    if (course.value === "new") body.new_course_label = newLabel.value.trim() || "New course";
    else if (course.value) body.course_id = Number(course.value);
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
  return form;
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
          sessionForm(patientId, list.courses, s, refresh),
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
        h("td", {}, MODALITY_WORDS[s.modality]),
        h("td", {}, doseWords(s)),
        h("td", {}, bp(s.bp_pre_systolic, s.bp_pre_diastolic)),
        h("td", {}, bp(s.bp_post_systolic, s.bp_post_diastolic)),
        h("td", { class: "num" }, s.cadss ?? ""),
        h("td", {}, s.course_label),
        h("td", {}, s.adverse_events || ""),
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
          "Route",
          "Dose",
          "BP before",
          "BP after",
          "CADSS",
          "Course",
          "Adverse events",
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
    editor,
    h(
      "details",
      {},
      h("summary", {}, "Record a session"),
      sessionForm(patientId, list.courses, null, refresh),
    ),
  );
}
