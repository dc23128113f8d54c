// The intake card of the patient page: the antidepressant trials with the treatment-resistance
// count, the contraindication and caution screen (each answer signed by who gave it), and a
// reasoned override for an open contraindication. A new course is refused while one is open.

import { request } from "/pwa/js/api.js";
import { announce, h } from "/pwa/js/dom.js";
import { showFieldErrors } from "./field_errors.js";
import { when } from "./format.js";

const OUTCOME_WORDS = {
  response: "Response",
  partial: "Partial (less than 50 %)",
  none: "No response",
  not_tolerated: "Not tolerated",
};
const ANSWER_WORDS = { yes: "Yes", no: "No", unknown: "Unknown" };
const KIND_WORDS = { contraindication: "Contraindication", caution: "Caution" };
// Suggestions only: any antidepressant may be typed.
const COMMON_DRUGS = [
  "Sertraline",
  "Escitalopram",
  "Citalopram",
  "Fluoxetine",
  "Paroxetine",
  "Venlafaxine",
  "Desvenlafaxine",
  "Duloxetine",
  "Bupropion",
  "Mirtazapine",
  "Vortioxetine",
  "Vilazodone",
  "Trazodone",
  "Nortriptyline",
  "Amitriptyline",
  "Phenelzine",
  "Tranylcypromine",
];

function field(id, label, control, wide = false) {
  return h(
    "div",
    { class: wide ? "field wide" : "field" },
    h("label", { for: id }, label),
    control,
  );
}

function statusLine(intake) {
  if (intake.course_may_start)
    return h("p", { id: "intake-status" }, "No open contraindication: a new course may start.");
  const labels = intake.screen.filter((i) => i.blocking).map((i) => i.label);
  return h(
    "p",
    { class: "flag", id: "intake-status" },
    `A new course is blocked until each open contraindication is answered no or overridden with a reason: ${labels.join("; ")}.`,
  );
}

function resistanceSummary(r) {
  const verdict = r.treatment_resistant ? "treatment-resistant" : "not treatment-resistant yet";
  return [
    h(
      "p",
      { id: "intake-resistance" },
      h("strong", {}, `Failed adequate trials: ${r.count} of ${r.threshold} needed`),
      ` (${verdict}).`,
    ),
    h("p", { class: "meta" }, r.definition),
  ];
}

function trialsTable(patientId, trials, refresh, editor) {
  const rows = trials.map((t) => {
    const edit = h("button", { type: "button", class: "secondary" }, "Correct");
    edit.addEventListener("click", () => {
      editor.replaceChildren(
        h("h4", {}, `Correct the ${t.drug} trial`),
        trialForm(patientId, refresh, t),
      );
      editor.querySelector("input").focus();
    });
    const remove = h("button", { type: "button", class: "danger" }, "Delete");
    remove.addEventListener("click", async () => {
      if (!window.confirm(`Delete the ${t.drug} trial? The audit trail keeps it.`)) return;
      await request("DELETE", `/api/v1/patients/${patientId}/intake/trials/${t.id}`);
      announce("Trial deleted.");
      refresh();
    });
    return h(
      "tr",
      {},
      h("td", {}, t.drug),
      h("td", { class: "num" }, t.dose_mg_per_day ?? "—"),
      h("td", { class: "num" }, t.duration_weeks),
      h("td", {}, t.adequate ? "Yes" : "No"),
      h("td", {}, OUTCOME_WORDS[t.outcome]),
      h("td", {}, t.current_episode ? "Current" : "Earlier"),
      h("td", {}, t.counted ? "Counted" : t.not_counted_text),
      h("td", {}, h("div", { class: "actions" }, edit, remove)),
    );
  });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "intake-trials" },
      h("caption", {}, `${trials.length} antidepressant trial${trials.length === 1 ? "" : "s"}`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          [
            "Drug",
            "mg a day",
            "Weeks",
            "Adequate dose",
            "Outcome",
            "Episode",
            "Count",
            "Actions",
          ].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

/** The form that adds a trial, or with `existing` corrects one. */
function trialForm(patientId, refresh, existing = null) {
  const prefix = existing ? "trial-edit" : "trial";
  const id = (name) => `${prefix}-${name}`;
  const was = (name, fallback = "") =>
    existing && existing[name] !== null && existing[name] !== undefined ? existing[name] : fallback;
  const input = (name, attrs) => h("input", { id: id(name), name, ...attrs });
  const drug = input("drug", {
    type: "text",
    list: "trial-drugs",
    maxlength: "100",
    required: true,
    value: was("drug"),
  });
  const dose = input("dose_mg_per_day", {
    type: "number",
    step: "0.01",
    min: "0",
    value: was("dose_mg_per_day"),
  });
  const weeks = input("duration_weeks", {
    type: "number",
    step: "1",
    min: "0",
    required: true,
    value: was("duration_weeks"),
  });
  const outcome = h(
    "select",
    { id: id("outcome"), name: "outcome", required: true },
    Object.entries(OUTCOME_WORDS).map(([value, words]) =>
      h("option", { value, selected: was("outcome") === value }, words),
    ),
  );
  const adequate = input("adequate", { type: "checkbox", checked: was("adequate", false) });
  const current = input("current_episode", {
    type: "checkbox",
    checked: was("current_episode", true),
  });
  const note = h("textarea", { id: id("note"), name: "note", maxlength: "2000" }, was("note"));
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    {
      id: existing ? "intake-trial-edit" : "intake-trial-form",
      "aria-label": existing ? `Correct the ${existing.drug} trial` : "Add an antidepressant trial",
    },
    existing
      ? null
      : h(
          "datalist",
          { id: "trial-drugs" },
          COMMON_DRUGS.map((d) => h("option", { value: d })),
        ),
    h(
      "div",
      { class: "form-grid" },
      field(id("drug"), "Antidepressant", drug),
      field(id("dose_mg_per_day"), "Dose (mg a day, if known)", dose),
      field(id("duration_weeks"), "Weeks at that dose", weeks),
      field(id("outcome"), "Outcome", outcome),
      h("label", { class: "check", for: id("adequate") }, adequate, "Dose and adherence adequate"),
      h("label", { class: "check", for: id("current_episode") }, current, "In the current episode"),
      field(id("note"), "Note", note, true),
    ),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, existing ? "Save changes" : "Add trial"),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      drug: drug.value.trim(),
      dose_mg_per_day: dose.value.trim() === "" ? null : Number(dose.value),
      duration_weeks: weeks.value.trim() === "" ? null : Number(weeks.value),
      adequate: adequate.checked,
      outcome: outcome.value,
      current_episode: current.checked,
      note: note.value.trim() || null,
    };
    try {
      const base = `/api/v1/patients/${patientId}/intake/trials`;
      if (existing) await request("PATCH", `${base}/${existing.id}`, body);
      else await request("POST", base, body);
      announce(existing ? "Trial corrected." : "Trial added.");
      refresh();
    } catch (failure) {
      showFieldErrors(form, failure, error);
    }
  });
  return form;
}

function signedWords(item) {
  if (!item.answer) return "Not asked yet.";
  return `Signed by ${item.signed_by.name}, ${when(item.signed_at)}.`;
}

function screenItem(item) {
  const name = `answer-${item.item}`;
  const legendId = `screen-${item.item}-legend`;
  const radios = Object.entries(ANSWER_WORDS).map(([value, words]) => {
    const id = `screen-${item.item}-${value}`;
    return h(
      "div",
      { class: "choice" },
      h("input", { type: "radio", name, value, id, checked: item.answer === value }),
      h("label", { for: id }, words),
    );
  });
  const noteId = `screen-${item.item}-note`;
  return h(
    "fieldset",
    {
      class: `screen-item screen-${item.kind}`,
      "data-item": item.item,
      "data-error-for": `answers.${item.item} answers.${item.item}.answer`,
    },
    h(
      "legend",
      { id: legendId },
      h("span", { class: "kind" }, `${KIND_WORDS[item.kind]}: `),
      item.label,
    ),
    h("div", { class: "choices" }, radios),
    h(
      "div",
      { class: "field" },
      h("label", { for: noteId }, "Note"),
      h("input", {
        id: noteId,
        name: `answers.${item.item}.note`,
        type: "text",
        maxlength: "2000",
        value: item.note || "",
      }),
    ),
    h("p", { class: "meta" }, signedWords(item), " Source: ", item.source, "."),
    item.override
      ? h(
          "p",
          { class: "meta override" },
          `Overridden by ${item.override.by.name}, ${when(item.override.at)}: ${item.override.reason}`,
        )
      : null,
    item.blocking ? h("p", { class: "flag" }, "Open: blocks a new course.") : null,
  );
}

function screenForm(patientId, intake, refresh) {
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { id: "intake-screen", "aria-label": "Contraindication and caution screen" },
    h(
      "p",
      { class: "meta" },
      "Saving signs each changed answer in your name, now. Unchanged answers keep their signature.",
    ),
    intake.screen.map(screenItem),
    error,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign and save answers")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answers = {};
    for (const item of intake.screen) {
      const chosen = form.querySelector(`input[name="answer-${item.item}"]:checked`);
      const note = form.elements[`answers.${item.item}.note`].value.trim() || null;
      if (!chosen) continue;
      if (chosen.value === item.answer && note === (item.note || null)) continue;
      answers[item.item] = { answer: chosen.value, note };
    }
    if (!Object.keys(answers).length) {
      error.textContent = "Nothing changed: choose an answer first.";
      return;
    }
    try {
      await request("PATCH", `/api/v1/patients/${patientId}/intake/screen`, { answers });
      announce("Answers signed and saved.");
      refresh();
    } catch (failure) {
      showFieldErrors(form, failure, error);
    }
  });
  return form;
}

function overrideForm(patientId, item, refresh) {
  const reasonId = `override-${item.item}-reason`;
  const error = h("p", { class: "error", role: "alert" });
  const reason = h("textarea", {
    id: reasonId,
    name: "reason",
    maxlength: "2000",
    minlength: "10",
    required: true,
  });
  const form = h(
    "form",
    { class: "override-form", "data-item": item.item, "aria-label": `Override: ${item.label}` },
    h("h4", {}, item.label, ` (answered ${ANSWER_WORDS[item.answer].toLowerCase()})`),
    field(reasonId, "Why the course may go ahead", reason, true),
    error,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Record override")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await request("POST", `/api/v1/patients/${patientId}/intake/overrides`, {
        item: item.item,
        reason: reason.value,
      });
      announce("Override recorded.");
      refresh();
    } catch (failure) {
      showFieldErrors(form, failure, error);
    }
  });
  return form;
}

/** The standing overrides, where they are seen without opening the screen. */
function overrideList(intake) {
  const overridden = intake.screen.filter((i) => i.override);
  if (!overridden.length) return null;
  return h(
    "ul",
    { id: "intake-overrides" },
    overridden.map((i) =>
      h(
        "li",
        {},
        h("strong", {}, `Overridden: ${i.label}`),
        ` (answered ${ANSWER_WORDS[i.override.answer].toLowerCase()}), by ${i.override.by.name}, ${when(i.override.at)}: ${i.override.reason}`,
      ),
    ),
  );
}

/** The intake card: status, trials with the count, the screen, and overrides. */
export function intakeCard(patientId, intake, refresh) {
  const overridable = intake.screen.filter((i) => i.blocking && i.answer);
  const editor = h("div", {});
  return h(
    "section",
    { class: "card intake", id: "intake", "aria-labelledby": "intake-heading" },
    h("h2", { id: "intake-heading" }, "Intake"),
    statusLine(intake),
    overrideList(intake),
    h("h3", {}, "Depression history"),
    resistanceSummary(intake.resistance),
    trialsTable(patientId, intake.trials, refresh, editor),
    editor,
    h(
      "details",
      {},
      h("summary", {}, "Add an antidepressant trial"),
      trialForm(patientId, refresh),
    ),
    h("h3", {}, "Contraindications and cautions"),
    h(
      "details",
      { open: !intake.course_may_start },
      h("summary", {}, "Screen"),
      screenForm(patientId, intake, refresh),
    ),
    overridable.length
      ? h(
          "div",
          { class: "overrides" },
          h("h3", {}, "Override an open contraindication"),
          h(
            "p",
            { class: "meta" },
            "A clinician's reasoned decision lets a course start; it stands until the answer changes, and is kept in the audit trail.",
          ),
          overridable.map((item) => overrideForm(patientId, item, refresh)),
        )
      : null,
  );
}
