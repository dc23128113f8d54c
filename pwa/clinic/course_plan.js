// The patient's courses and their plans: choose the esketamine label's schedule, the IV
// series, or the clinic's own numbers; see the phase, the next session due, the dates still
// planned and the signals (induction not completed, booster overdue). Also the phase spans
// the trend chart shades.

import { request } from "/pwa/js/api.js";
import { announce, h } from "/pwa/js/dom.js";
import { clearFieldErrors, showFieldErrors } from "./field_errors.js";
import { day } from "./format.js";
import { PHASE_WORDS } from "./trend_chart.js";

const TEMPLATE_WORDS = {
  esketamine_label:
    "Esketamine label: twice weekly weeks 1-4, weekly weeks 5-8, then every 1-2 weeks",
  iv_series: "IV series: six infusions about two weeks, then boosters",
  custom: "The clinic's own numbers",
};
const SIGNAL_WORDS = {
  induction_incomplete: "Series not completed: no session for more than twice its interval",
  booster_overdue: "Booster overdue",
};
const DAY_MS = 86_400_000;

let counter = 0;

/** The phases of every planned course as the chart's strip wants them: {name, from, to}. */
export function phaseSpans(courses, now = Date.now()) {
  const out = [];
  for (const course of courses) {
    const spans = (course.standing && course.standing.spans) || [];
    spans.forEach((span, n) => {
      if (!span.started_on) return;
      const next = spans[n + 1] && spans[n + 1].started_on;
      const end = span.ended_on || next;
      out.push({
        name: span.name,
        from: new Date(`${span.started_on}T00:00`).getTime(),
        to: end ? new Date(`${end}T00:00`).getTime() + DAY_MS : now,
      });
    });
  }
  return out;
}

function standingLines(course) {
  const s = course.standing;
  if (!s) return h("p", { class: "meta" }, "No phases set: no session is planned or signalled.");
  if (!s.phase) return h("p", { class: "meta" }, "Every planned session has been given.");
  const span = s.spans.find((x) => x.name === s.phase);
  const of = span.planned ? ` of ${span.planned}` : "";
  return h(
    "div",
    { class: "standing" },
    h(
      "p",
      {},
      h("strong", {}, PHASE_WORDS[s.phase]),
      `: ${s.session_in_phase}${of} session${s.session_in_phase === 1 ? "" : "s"} given · `,
      h(
        "span",
        { class: s.days_overdue ? "flag" : "" },
        `next due ${day(s.next_due_on)}`,
        s.days_overdue ? ` (${s.days_overdue} days overdue)` : "",
      ),
    ),
    s.signals.map((signal) =>
      h("p", { class: "flag", "data-signal": signal }, SIGNAL_WORDS[signal]),
    ),
    h(
      "p",
      { class: "meta planned" },
      "Planned: ",
      s.planned
        .slice(0, 6)
        .map((d) => day(d))
        .join(", "),
    ),
  );
}

function numberInput(name, value, min, max, label) {
  counter += 1;
  const id = `plan-${name}-${counter}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", {
      id,
      name,
      type: "number",
      min: String(min),
      max: String(max),
      step: "1",
      value: value === null || value === undefined ? "" : String(value),
    }),
  );
}

function planForm(patientId, course, templates, changed) {
  const current = course.plan;
  const chosen = current ? current.template || "custom" : "iv_series";
  const summary = h("p", { class: "error", role: "alert" });
  counter += 1;
  const selectId = `plan-template-${counter}`;
  const select = h(
    "select",
    { id: selectId, name: "template", "data-error-for": "template" },
    Object.entries(TEMPLATE_WORDS).map(([value, words]) =>
      h("option", { value, selected: value === chosen }, words),
    ),
  );
  const numbers = h("fieldset", { class: "phases", "data-error-for": "phases plan" });
  const fill = () => {
    const base =
      select.value === "custom"
        ? current || templates.iv_series
        : select.value === chosen && current
          ? current
          : templates[select.value];
    numbers.replaceChildren(
      h("legend", {}, "Phases"),
      ...base.phases.map((phase, n) =>
        h(
          "div",
          { class: "row", "data-phase": phase.name },
          h("p", { class: "phase-name" }, PHASE_WORDS[phase.name]),
          phase.sessions === null
            ? h("p", { class: "meta" }, "open-ended")
            : numberInput(`phases.${n}.sessions`, phase.sessions, 1, 60, "Sessions"),
          numberInput(
            `phases.${n}.interval_days`,
            phase.interval_days,
            1,
            180,
            "At most days apart",
          ),
        ),
      ),
      numberInput(
        "grace_days",
        base.grace_days,
        0,
        60,
        "Days of grace before a booster is overdue",
      ),
    );
    numbers.dataset.base = JSON.stringify(base.phases.map((p) => p.name));
  };
  select.addEventListener("change", fill);
  fill();
  const save = h("button", { type: "submit" }, "Save phases");
  const form = h(
    "form",
    { class: "plan-form", "aria-label": `Phases of ${course.label}` },
    h("div", { class: "field" }, h("label", { for: selectId }, "Schedule"), select),
    numbers,
    save,
    summary,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form, summary);
    const names = JSON.parse(numbers.dataset.base);
    const value = (name) => {
      const input = form.querySelector(`[name="${name}"]`);
      return input ? Number(input.value) : null;
    };
    const body = {
      template: select.value === "custom" ? null : select.value,
      phases: names.map((name, n) => ({
        name,
        sessions: form.querySelector(`[name="phases.${n}.sessions"]`)
          ? value(`phases.${n}.sessions`)
          : null,
        interval_days: value(`phases.${n}.interval_days`),
      })),
      grace_days: value("grace_days"),
    };
    save.disabled = true;
    try {
      await request("PUT", `/api/v1/patients/${patientId}/courses/${course.id}/plan`, body);
      announce("Phases saved.");
      changed();
    } catch (failure) {
      showFieldErrors(form, failure, summary);
      save.disabled = false;
    }
  });
  return form;
}

/** The courses card of the patient page; `courses` is GET /courses's body. */
export function coursesCard(patientId, courses, changed) {
  const items = courses.items.slice().reverse(); // the current course first
  return h(
    "section",
    { class: "card", "aria-labelledby": "courses-heading", id: "courses" },
    h("h2", { id: "courses-heading" }, "Treatment phases"),
    items.length
      ? items.map((course) =>
          h(
            "article",
            { class: "course", "data-course": String(course.id) },
            h(
              "h3",
              {},
              course.label,
              h("span", { class: "ref" }, ` from ${day(course.started_at)}`),
            ),
            standingLines(course),
            h(
              "details",
              {},
              h("summary", {}, course.plan ? "Change the phases" : "Set the phases"),
              planForm(patientId, course, courses.templates, changed),
            ),
          ),
        )
      : h("p", {}, "A course starts with its first recorded session."),
  );
}
