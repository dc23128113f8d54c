// The patient's at-home doses beside the trend chart: the plan in one line, then every
// pre-dose check with its time, the gate's outcome, the vitals from the patient's own cuff,
// the monitor and new symptoms, and where its after-dose check stands.

import { h } from "/pwa/js/dom.js";
import { when } from "./format.js";

/** The forms of ketamine a home-dosing plan names (surveys/dosing.py, FORMS). */
export const FORMS = {
  oral: "Oral",
  sublingual_troche: "Sublingual troche",
  sublingual_tablet: "Sublingual tablet",
  subcutaneous: "Subcutaneous",
};

/** The gate's reasons, as the alerts name them (api/dosing/operations.py, REASON_WORDS). */
export const REASON_WORDS = {
  bp_high: "blood pressure over the plan's limit",
  heart_rate_high: "heart rate over the plan's limit",
  monitor_absent: "no monitor present",
  new_symptoms: "new symptoms reported",
  too_soon: "sooner than the plan's interval",
  weekly_max: "the week's doses already taken",
  prescription_used: "every prescribed dose already taken",
  plan_unreadable: "the plan needs a clinician's review",
  before_prescription: "a time before the current prescription began",
  plan_stopped: "home dosing had been stopped",
  outside_app: "taken outside the app",
};

function reasons(dose) {
  return dose.gate_reasons.map((r) => REASON_WORDS[r] || r).join("; ");
}

/** {text, flagged}: what happened at this check. */
export function outcome(dose) {
  if (dose.outside_app) return { text: "Dose reported as taken outside the app", flagged: true };
  if (dose.dosed_at && dose.gate_ok) return { text: "Dose taken", flagged: false };
  if (dose.dosed_at)
    return { text: `Dose taken against the plan: ${reasons(dose)}`, flagged: true };
  if (dose.gate_ok) return { text: "Passed; the patient chose not to dose", flagged: false };
  return { text: `Held back: ${reasons(dose)}`, flagged: true };
}

/** {text, flagged}: where the after-dose check stands. */
export function postCheck(dose, now = Date.now()) {
  if (!dose.dosed_at || dose.outside_app) return { text: "—", flagged: false };
  const missed = dose.post_check_missed_at
    ? `Missed (care team told ${when(dose.post_check_missed_at)})`
    : null;
  if (dose.post_check_at) {
    const answered = `Answered ${when(dose.post_check_at)}`;
    return {
      text: missed ? `${missed}; answered later, ${when(dose.post_check_at)}` : answered,
      flagged: Boolean(missed),
    };
  }
  if (missed) return { text: missed, flagged: true };
  if (dose.post_check_due_at && Date.parse(dose.post_check_due_at) <= now)
    return { text: `Due since ${when(dose.post_check_due_at)}`, flagged: true };
  return { text: `Due ${when(dose.post_check_due_at)}`, flagged: false };
}

function yesNo(value) {
  if (value === null || value === undefined) return "—";
  return value ? "Yes" : "No";
}

/** "; a monitor present" ("; Jordan (partner) present as monitor"), or nothing. */
function monitorWords(p) {
  if (!p.monitor_required) return p.monitor_name ? `; monitor named: ${p.monitor_name}` : "";
  return p.monitor_name ? `; ${p.monitor_name} present as monitor` : "; a monitor present";
}

function planLine(body) {
  const p = body.plan;
  // The doses the gate weighs: those before the prescription began count for the interval
  // and the week only.
  const started = Date.parse(body.prescription_started_at);
  const taken = body.doses_taken.filter((at) => Date.parse(at) >= started).length;
  return (
    `${FORMS[p.form] || p.form} ${p.dose_mg} mg; at least ${p.min_interval_hours} h apart, ` +
    `at most ${p.max_per_week} in 7 days; ${taken} of ${p.doses_prescribed} prescribed ` +
    `doses taken since ${when(body.prescription_started_at)}. No dose over ` +
    `${p.systolic_max}/${p.diastolic_max} or heart rate over ${p.heart_rate_max}` +
    `${monitorWords(p)}. After-dose check ` +
    `${p.post_check_minutes} min after a dose, missed after ${p.post_check_missed_minutes} min.`
  );
}

function cell(result) {
  return h("td", {}, result.flagged ? h("span", { class: "flag" }, result.text) : result.text);
}

/** The home-dosing card, or null for a patient with neither a plan nor a dose. */
export function dosesCard(plan, doses) {
  if (!plan && !doses.length) return null;
  const rows = doses.map((d) =>
    h(
      "tr",
      { "data-dose": d.id },
      h("td", {}, when(d.dosed_at || d.checked_at)),
      cell(outcome(d)),
      h("td", { class: "num" }, d.systolic === null ? "—" : `${d.systolic}/${d.diastolic}`),
      h("td", { class: "num" }, d.heart_rate === null ? "—" : String(d.heart_rate)),
      h("td", {}, yesNo(d.monitor_present)),
      h("td", {}, yesNo(d.new_symptoms)),
      cell(postCheck(d)),
    ),
  );
  const head = [
    "Time",
    "Outcome",
    "BP",
    "Heart rate",
    "Monitor",
    "New symptoms",
    "After-dose check",
  ];
  return h(
    "section",
    { class: "card", "aria-labelledby": "doses-heading" },
    h("h2", { id: "doses-heading" }, "Doses at home"),
    plan
      ? h("p", { class: "meta", id: "dose-plan" }, planLine(plan))
      : h("p", { class: "meta" }, "No home-dosing plan now."),
    doses.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "dose-log" },
            h("caption", {}, "Pre-dose checks and doses, newest first"),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                head.map((t) => h("th", { scope: "col" }, t)),
              ),
            ),
            h("tbody", {}, rows),
          ),
        )
      : h("p", {}, "No pre-dose check yet."),
  );
}
