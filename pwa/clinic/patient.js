// The patient page: trend chart with sessions, alerts, intake, sessions, check-ins, invite,
// schedule.

import { request } from "/pwa/js/api.js";
import { announce, h, show } from "/pwa/js/dom.js";
import { caseCard } from "./case_card.js";
import { coursesCard, phaseSpans } from "./course_plan.js";
import { forecastBand, forecastNote } from "./forecast_band.js";
import {
  BASELINE_WORDS,
  INSTRUMENT_WORDS,
  STATUS_WORDS,
  THRESHOLD_WORDS,
  changeWords,
  day,
  errorText,
  measurableWords,
  statusWords,
  when,
} from "./format.js";
import { clearFieldErrors, showFieldErrors } from "./field_errors.js";
import { invitePanel } from "./invite_panel.js";
import { checkinsCard } from "./patient_checkins.js";
import { dosesCard } from "./patient_doses.js";
import { planCard } from "./patient_plan.js";
import { patientDataCard } from "./patient_data.js";
import { intakeCard } from "./patient_intake.js";
import { remindersCard } from "./patient_reminders.js";
import { sessionsCard } from "./patient_sessions.js";
import { fromLowestWords, retakeWords, riskCard } from "./risk_flags.js";
import { field } from "./settings_form.js";
import { drawTrend } from "./trend_chart.js";

function stats(trend, code, score, flags) {
  const t = trend.trend;
  if (!t.n) return h("p", { class: "meta" }, `${INSTRUMENT_WORDS[code]}: no check-in yet.`);
  const item = (term, value) => h("div", {}, h("dt", {}, term), h("dd", {}, value));
  // One status, the API's (the panel's summary, the chart's trend and the exports give the
  // same); a rise above the lowest ever under review reads as worsening until dismissed.
  const s = score || t;
  const relapse = flags.find((f) => f.kind === "relapse" && f.instrument === code);
  const outcome = statusWords(s.status, Boolean(relapse));
  const episode = score && score.episode;
  // A worsening against the lowest score is shown as such, never beside a course change
  // that reads as improvement.
  const change = relapse
    ? item("From lowest", fromLowestWords(relapse))
    : item("Change", changeWords(t) || "—");
  const measured = measurableWords(t, trend.measurable_above);
  return h(
    "dl",
    { class: "stats", "aria-label": `${INSTRUMENT_WORDS[code]} this course` },
    item(INSTRUMENT_WORDS[code], `${t.latest} (latest)`),
    item(
      "Baseline",
      `${t.baseline} on ${day(t.baseline_at)}, ${BASELINE_WORDS[t.baseline_kind] || ""}`,
    ),
    change,
    item("Lowest", String(t.nadir)),
    episode
      ? item(
          "First baseline, lowest ever",
          `${episode.baseline} on ${day(episode.baseline_at)}; ${episode.lowest} on ${day(episode.lowest_at)}`,
        )
      : null,
    item("Status", outcome),
    item(
      "Response",
      measured
        ? measured.charAt(0).toUpperCase() + measured.slice(1)
        : s.status === "worsening_after_response"
          ? "Reached earlier; rising since (relapse watch)"
          : t.remission
            ? `Remission (below ${trend.remission_below})`
            : t.response
              ? "Response (50 % or more below baseline)"
              : "Not yet",
    ),
    t.threshold
      ? item(
          "Change threshold",
          `${t.threshold} points, ${THRESHOLD_WORDS[t.threshold_basis]}; ` +
            `check-ins compared at least ${t.retest_interval_days} days apart`,
        )
      : null,
    score && score.retake ? item("Retake", retakeWords(score)) : null,
    t.slope_per_week !== null ? item("Slope", `${t.slope_per_week.toFixed(1)} per week`) : null,
  );
}

function chartSummary(phq, gad, mood) {
  const t = phq.trend;
  const parts = [
    `Trend chart. ${phq.points.length} PHQ-9, ${gad.points.length} GAD-7 and ${mood.points.length} daily mood check-ins, ${phq.sessions.length} sessions marked.`,
  ];
  if (mood.points.length)
    parts.push(`Latest daily mood ${mood.points[mood.points.length - 1].total} of 10.`);
  if (t.n)
    parts.push(
      `PHQ-9 baseline ${t.baseline} (${BASELINE_WORDS[t.baseline_kind]}), latest ${t.latest}, ` +
        `${STATUS_WORDS[t.status].toLowerCase()}.`,
    );
  const measured = measurableWords(t, phq.measurable_above);
  if (measured) parts.push(`PHQ-9 ${measured}.`);
  const item9 = phq.points.filter((p) => p.safety_endorsed).length;
  if (item9) parts.push(`Item 9 endorsed ${item9} time${item9 === 1 ? "" : "s"}.`);
  return parts.join(" ");
}

function trendCard(phq, gad, mood, patient, flags) {
  const canvas = h("canvas", {
    id: "trend-canvas",
    role: "img",
    "aria-label": chartSummary(phq, gad, mood),
  });
  const legend = h(
    "ul",
    { class: "chart-legend", "aria-label": "Chart key" },
    h("li", {}, h("span", { class: "key key-phq9" }), "PHQ-9"),
    h("li", {}, h("span", { class: "key key-gad7" }), "GAD-7 (dashed)"),
    h(
      "li",
      {},
      h("span", { class: "key key-mood" }),
      "Daily mood (◆, right axis 0-10, higher is better; Waypoint's own rating, not validated)",
    ),
    h(
      "li",
      {},
      h("span", { class: "key key-session" }),
      "Session (▼ marker; tap or point at one for route, dose, blood-pressure peak and dissociation; the sessions list below has them too)",
    ),
    h("li", {}, h("span", { class: "key key-phase" }), "Course phase (strip along the foot)"),
    h(
      "li",
      {},
      h("span", { class: "key key-baseline" }),
      "Baseline, response and remission lines of this course",
    ),
    h("li", {}, h("span", { class: "key key-item9" }, "▲"), " Item 9 endorsed"),
  );
  const card = h(
    "section",
    { class: "card", "aria-labelledby": "trend-heading" },
    h("h2", { id: "trend-heading" }, "Trend"),
    stats(phq, "phq9", patient.instruments.phq9, flags),
    stats(gad, "gad7", patient.instruments.gad7, flags),
    h("div", { class: "chart-box" }, canvas),
    legend,
  );
  return { card, canvas };
}

/** "a•••@example.org": what the page shows of an address (a patient may have typed it
 * for their reminders; the page never carries it whole). */
function emailHint(email) {
  const [local, domain] = email.split("@");
  return `${local.slice(0, 1)}•••@${domain || ""}`;
}

/** Where the invite can be sent: the email address and the mobile number, each shown by a
 * hint only (a new one replaces it, blank keeps it). PATCH /patients/{id}. */
function contactForm(patient, refresh) {
  const email = h("input", {
    id: "contact-email",
    name: "email",
    type: "email",
    maxlength: "254",
    autocomplete: "off",
  });
  const mobile = h("input", {
    id: "contact-mobile",
    name: "mobile",
    type: "tel",
    maxlength: "40",
    autocomplete: "off",
  });
  const summary = h("p", { class: "error", role: "alert", id: "contact-error" });
  const save = h("button", { type: "submit", class: "secondary" }, "Save contact");
  const form = h(
    "form",
    { id: "contact-form", "aria-labelledby": "contact-heading" },
    h("h3", { id: "contact-heading" }, "Where to send the invite"),
    h(
      "div",
      { class: "form-grid" },
      field(
        "contact-email",
        "Email",
        email,
        patient.email
          ? `On file: ${emailHint(patient.email)}. Type a new one to replace it; blank keeps it.`
          : "None on file.",
      ),
      field(
        "contact-mobile",
        "Mobile number",
        mobile,
        patient.mobile_hint
          ? `On file: ${patient.mobile_hint}. Type a new one to replace it; blank keeps it.`
          : "None on file. With its country code, e.g. +1 202 555 0123.",
      ),
    ),
    summary,
    h("div", { class: "actions" }, save),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    const body = {};
    if (email.value.trim()) body.email = email.value.trim();
    if (mobile.value.trim()) body.mobile = mobile.value.trim();
    try {
      await request("PATCH", `/api/v1/patients/${patient.id}`, body);
      clearFieldErrors(form, summary);
      announce("Contact saved.");
      refresh();
    } catch (failure) {
      showFieldErrors(form, failure, summary);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

function inviteCard(patient, refresh) {
  const out = h("div", {});
  const invite = h("button", { type: "button" }, "Create a new invite link");
  invite.addEventListener("click", async () => {
    try {
      const { body } = await request("POST", `/api/v1/patients/${patient.id}/invite`);
      out.replaceChildren(invitePanel(patient, body));
      announce("Invite link created.");
    } catch (error) {
      out.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  });
  const discharged = patient.status === "discharged";
  const toggle = h(
    "button",
    { type: "button", class: discharged ? "secondary" : "danger" },
    discharged ? "Re-admit" : "Discharge",
  );
  toggle.addEventListener("click", async () => {
    if (!discharged && !window.confirm("Discharge this patient? Their check-ins and sign-in stop."))
      return;
    await request("PATCH", `/api/v1/patients/${patient.id}`, {
      status: discharged ? "active" : "discharged",
    });
    refresh();
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "access-heading" },
    h("h2", { id: "access-heading" }, "Access"),
    h("div", { class: "actions" }, discharged ? null : invite, toggle),
    out,
    discharged ? null : contactForm(patient, refresh),
    h(
      "p",
      {},
      "Exports: ",
      h(
        "a",
        { href: `/api/v1/patients/${patient.id}/export.csv`, download: "" },
        "check-ins (CSV)",
      ),
      ", ",
      h(
        "a",
        { href: `/api/v1/patients/${patient.id}/export.csv?part=sessions`, download: "" },
        "sessions (CSV)",
      ),
      ", ",
      h(
        "a",
        { href: `/api/v1/patients/${patient.id}/export.csv?part=doses`, download: "" },
        "doses at home (CSV)",
      ),
      ", ",
      h("a", { href: `/api/v1/patients/${patient.id}/fhir`, download: "" }, "FHIR R4 bundle"),
    ),
  );
}

function scheduleCard(patient, refresh) {
  const s = patient.schedule;
  const error = h("p", { class: "error", role: "alert" });
  const cadence = h("input", {
    id: "cadence",
    type: "number",
    min: "1",
    max: "90",
    step: "1",
    value: String(s.cadence_days),
    required: true,
  });
  const time = h("input", { id: "local-time", type: "time", value: s.local_time, required: true });
  const box = (id, checked) => h("input", { type: "checkbox", id, checked });
  const phq = box("sched-phq9", s.cadence_instruments.includes("phq9"));
  const gad = box("sched-gad7", s.cadence_instruments.includes("gad7"));
  const anchored = box("sched-anchored", s.session_anchored);
  const form = h(
    "form",
    { "aria-label": "Check-in schedule" },
    h(
      "div",
      { class: "form-grid" },
      h("div", { class: "field" }, h("label", { for: "cadence" }, "Every (days)"), cadence),
      h(
        "div",
        { class: "field" },
        h("label", { for: "local-time" }, `Due at (${patient.timezone})`),
        time,
      ),
      h(
        "fieldset",
        { class: "wide" },
        h("legend", {}, "Questionnaires"),
        h("label", { class: "check", for: "sched-phq9" }, phq, "PHQ-9"),
        h("label", { class: "check", for: "sched-gad7" }, gad, "GAD-7"),
        h(
          "label",
          { class: "check", for: "sched-anchored" },
          anchored,
          "Extra check-ins after each session",
        ),
      ),
    ),
    error,
    h("button", { type: "submit" }, "Save schedule"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const schedule = {
      cadence_days: Number(cadence.value),
      cadence_instruments: [phq.checked && "phq9", gad.checked && "gad7"].filter(Boolean),
      session_anchored: anchored.checked,
      local_time: time.value.slice(0, 5),
    };
    try {
      await request("PATCH", `/api/v1/patients/${patient.id}`, { schedule });
      announce("Schedule saved.");
      refresh();
    } catch (failure) {
      error.textContent = errorText(failure);
    }
  });
  const due = patient.next_due.length
    ? h(
        "ul",
        {},
        patient.next_due.map((d) =>
          h("li", {}, `${INSTRUMENT_WORDS[d.instrument] || d.instrument}: ${when(d.due_at)}`),
        ),
      )
    : h("p", { class: "meta" }, "Nothing due.");
  return h(
    "section",
    { class: "card", "aria-labelledby": "schedule-heading" },
    h("h2", { id: "schedule-heading" }, "Schedule"),
    patient.overdue ? h("p", { class: "flag" }, "A check-in is overdue.") : null,
    h("h3", {}, "Due next"),
    due,
    form,
  );
}

async function alertsCard(patientId, refresh) {
  const [open, acknowledged] = await Promise.all(
    ["open", "acknowledged"].map((status) =>
      request("GET", `/api/v1/cases?status=${status}&patient_id=${patientId}&limit=200`),
    ),
  );
  const items = [...open.body.items, ...acknowledged.body.items];
  return h(
    "section",
    { class: "card", "aria-labelledby": "alerts-heading" },
    h("h2", { id: "alerts-heading" }, "Alerts"),
    items.length
      ? h(
          "ul",
          { class: "plain", id: "patient-alerts" },
          items.map((c) => caseCard(c, { showPatient: false, changed: refresh, level: 3 })),
        )
      : h("p", {}, "No open or acknowledged alert."),
  );
}

/** "Record a session" at the top of the page: opens the session form and puts the cursor in it. */
function recordSessionButton() {
  const button = h("button", { type: "button", id: "record-session" }, "Record a session");
  button.addEventListener("click", () => {
    const form = document.getElementById("session-form");
    form.closest("details").open = true;
    form.scrollIntoView({ block: "start" });
    form.querySelector("input, select").focus({ preventScroll: true });
  });
  return button;
}

/** Draw the page of patient `id` into `main`; `staff` is who is signed in. */
export async function renderPatient(main, id, staff = null) {
  const refresh = () => renderPatient(main, id, staff);
  const base = `/api/v1/patients/${id}`;
  const reads = [
    "",
    "/trend?instrument=phq9",
    "/trend?instrument=gad7",
    "/trend?instrument=mood",
    "/sessions",
    "/checkins",
    "/risk-flags",
    "/courses",
    "/intake",
    "/forecast",
    "/reminders",
    "/home-dosing",
    "/home-doses",
  ];
  // One round of parallel reads: the page waits for the slowest, not for a second round.
  const [
    patient,
    phq,
    gad,
    mood,
    sessions,
    checkins,
    flags,
    courses,
    intake,
    forecast,
    reminders,
    plan,
    doses,
  ] = (await Promise.all(reads.map((path) => request("GET", `${base}${path}`)))).map((r) => r.body);
  const alerts = await alertsCard(id, refresh);
  const trend = trendCard(phq, gad, mood, patient, flags.items);
  const relapse = flags.items.some((f) => f.kind === "relapse");
  const status = statusWords(patient.trend_status, relapse) || "No check-in yet";
  // The page title stays generic: no name in the tab, history or screen-sharing previews.
  show(
    main,
    "Patient",
    h("p", {}, h("a", { href: "/clinic/" }, "← All patients")),
    h(
      "h1",
      {},
      patient.display_name,
      " ",
      h("span", { class: "ref" }, `${patient.ref} · ${patient.status} · ${status}`),
    ),
    h("div", { class: "actions page-actions" }, recordSessionButton()),
    h(
      "div",
      { class: "grid" },
      h(
        "div",
        {},
        riskCard(id, flags.items, patient.instruments, refresh),
        trend.card,
        dosesCard(plan.active ? plan : null, doses.items),
        forecastNote(forecast),
        alerts,
        coursesCard(id, courses, refresh),
        intakeCard(id, intake, refresh),
        sessionsCard(id, sessions, refresh),
        checkinsCard(checkins.items),
      ),
      h(
        "div",
        {},
        inviteCard(patient, refresh),
        scheduleCard(patient, refresh),
        planCard(id, plan, refresh),
        remindersCard(reminders),
        staff && staff.role === "admin" ? patientDataCard(main, patient) : null,
      ),
    ),
  );
  main.dataset.view = "patient";
  await drawTrend(trend.canvas, phq, gad, mood, phaseSpans(courses.items), forecastBand(forecast));
  trend.canvas.dataset.drawn = "true";
}
