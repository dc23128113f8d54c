// Courses planned before their first session: each with its pre-treatment check-ins (the
// course's baseline, issue #18), and the form that plans one. Recording the first session
// (the "Latest course" of the session form) starts the planned course.

import { request } from "/pwa/js/api.js";
import { announce, h } from "/pwa/js/dom.js";
import { showFieldErrors } from "./field_errors.js";
import { INSTRUMENT_WORDS, when } from "./format.js";

function dueWords(due) {
  const name = INSTRUMENT_WORDS[due.instrument] || due.instrument;
  return `${name} due ${when(due.due_at)}${due.completed ? ": answered" : ""}`;
}

function plannedList(planned) {
  if (!planned.length) return null;
  return h(
    "ul",
    { id: "planned-courses" },
    planned.map((c) =>
      h(
        "li",
        {},
        `${c.label}: first session planned ${when(c.planned_start_at)}. `,
        c.pre_treatment.length
          ? `Pre-treatment check-ins: ${c.pre_treatment.map(dueWords).join("; ")}.`
          : "A check-in of the 14 days before it will be the baseline.",
      ),
    ),
  );
}

function planForm(patientId, done) {
  const label = h("input", {
    id: "plan-label",
    name: "label",
    type: "text",
    maxlength: "100",
    required: true,
    value: "Induction",
  });
  const start = h("input", {
    id: "plan-start",
    name: "planned_start",
    type: "datetime-local",
    required: true,
  });
  const summary = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { id: "plan-course-form", "aria-label": "Plan a course" },
    h(
      "p",
      { class: "meta" },
      "The PHQ-9 and GAD-7 become due before the first session, so that the course is measured " +
        "from a score before treatment.",
    ),
    h(
      "div",
      { class: "form-grid" },
      h("div", { class: "field" }, h("label", { for: "plan-label" }, "Course name"), label),
      h("div", { class: "field" }, h("label", { for: "plan-start" }, "First session"), start),
    ),
    summary,
    h("button", { type: "submit" }, "Plan course"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await request("POST", `/api/v1/patients/${patientId}/courses`, {
        label: label.value.trim(),
        planned_start: start.value ? new Date(start.value).toISOString() : null,
      });
      announce("Course planned; its pre-treatment check-ins are due.");
      done();
    } catch (failure) {
      showFieldErrors(form, failure, summary);
    }
  });
  return form;
}

/** The planned courses and the form that plans one, for the sessions card. */
export function plannedCourses(patientId, planned, refresh) {
  return h(
    "div",
    {},
    plannedList(planned),
    h("details", {}, h("summary", {}, "Plan a course"), planForm(patientId, refresh)),
  );
}
