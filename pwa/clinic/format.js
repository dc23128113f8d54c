// Words, dates, severity chips and sparklines shared by the clinic views.

import { h } from "/pwa/js/dom.js";

/** The words of the one status the API derives (surveys.trend.status_of), most pressing first. */
export const STATUS_WORDS = {
  worsening_after_response: "Worsening after response (relapse watch)",
  worsening: "Worsening",
  remission: "In remission",
  response: "Responding",
  improving: "Improving",
  no_change: "No clinically important change",
};

/** Where a course's baseline came from (surveys.trend.BASELINE_KINDS). */
export const BASELINE_WORDS = {
  pre_treatment: "before the first session",
  after_first_session: "after the first session (no check-in in the 14 days before it)",
  first_checkin: "first check-in (no session recorded)",
};

/** What a change threshold is (surveys Definition.threshold_basis). */
export const THRESHOLD_WORDS = {
  mcid: "minimal clinically important difference",
  rci: "reliable change index",
  between: "between the MCID and the reliable change index",
};

/** The status a clinic view shows: the API's one status, except that a rise above the lowest
 * score ever that is under review (a relapse flag) reads as worsening until it is dismissed. */
export function statusWords(status, relapse = false) {
  if (relapse && status !== "worsening_after_response")
    return "Worsening · Worse than lowest, under review";
  return status ? STATUS_WORDS[status] : "";
}

/** "not measurable for response (baseline 9 or below)" when it is, else "". */
export function measurableWords(score, above = 9) {
  if (!score || score.response_measurable !== false || score.baseline === null) return "";
  return `not measurable for response (baseline ${score.baseline}, not above ${above})`;
}

export const PRIORITY_WORDS = {
  imminent: "Imminent risk",
  urgent: "Urgent",
  high: "High",
  routine: "Routine",
};

export const MODALITY_WORDS = {
  iv: "IV",
  im: "IM",
  intranasal: "Intranasal",
  oral: "Oral",
  sublingual: "Sublingual",
  subcutaneous: "Subcutaneous",
};

/** The drugs a session records (coded with RxNorm in the exports). */
export const DRUG_WORDS = { ketamine: "Ketamine", esketamine: "Esketamine" };

/** How a reminder reaches a patient (api/models/channels.py REMINDER_CHANNELS). */
export const REMINDER_CHANNEL_WORDS = {
  webpush: "App notification",
  email: "Email",
  sms: "Text message (SMS)",
};

export const INSTRUMENT_WORDS = { phq9: "PHQ-9", gad7: "GAD-7", mood: "Daily mood" };

const DATE = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  year: "numeric",
});
const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** "26 Nov 2026" (or the empty string); a bare date ("2026-11-26") is that day, wherever. */
export function day(iso) {
  if (!iso) return "";
  return DATE.format(new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00` : iso));
}

/** "26 Nov 2026, 14:05". */
export function when(iso) {
  return iso ? DATE_TIME.format(new Date(iso)) : "";
}

/** "3 hours ago", "in 2 days": rough, for scanning a list. */
export function relative(iso, now = Date.now()) {
  if (!iso) return "never";
  const minutes = Math.round((new Date(iso).getTime() - now) / 60000);
  const abs = Math.abs(minutes);
  if (abs === 0) return "just now";
  const [value, unit] =
    abs < 60
      ? [abs, "minute"]
      : abs < 2880
        ? [Math.round(abs / 60), "hour"]
        : [Math.round(abs / 1440), "day"];
  const words = `${value} ${unit}${value === 1 ? "" : "s"}`;
  return minutes < 0 ? `${words} ago` : `in ${words}`;
}

/** The severity as colour AND words: "12 · Moderate". */
export function severityChip(score) {
  if (!score || score.latest === undefined || score.latest === null)
    return h("span", { class: "ref" }, "No check-in");
  return h(
    "span",
    { class: `sev sev-${score.severity}` },
    `${score.latest} · ${score.severity_label}`,
  );
}

/** "−10 from baseline 20" in words a clinician scans, marked when the baseline came after
 * the first session. */
export function changeWords(score) {
  if (!score || score.change === null || score.change === undefined || score.n < 2) return "";
  const after = score.baseline_kind === "after_first_session" ? " (after first session)" : "";
  if (score.change === 0) return `no change from baseline${after}`;
  const sign = score.change > 0 ? "+" : "−";
  return `${sign}${Math.abs(score.change)} from baseline ${score.baseline}${after}`;
}

const SVG = "http://www.w3.org/2000/svg";

/** A small SVG line of recent totals, described for screen readers. */
export function sparkline(values, max, name) {
  const width = 84;
  const height = 24;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${name}, last ${values.length}: ${values.join(", ")}`);
  if (values.length === 0) return svg;
  const step = values.length > 1 ? (width - 4) / (values.length - 1) : 0;
  const coords = values.map((v, i) => [2 + i * step, height - 2 - (v / max) * (height - 4)]);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", coords.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "));
  svg.append(line);
  const [lx, ly] = coords[coords.length - 1];
  const dot = document.createElementNS(SVG, "circle");
  dot.setAttribute("cx", lx.toFixed(1));
  dot.setAttribute("cy", ly.toFixed(1));
  dot.setAttribute("r", "2.5");
  svg.append(dot);
  return svg;
}

/** A session's dose in words: "35 mg (0.5 mg/kg)". */
export function doseWords(session) {
  const parts = [];
  if (session.dose_mg !== null && session.dose_mg !== undefined)
    parts.push(`${session.dose_mg} mg`);
  if (session.devices) parts.push(`(${session.devices} device${session.devices === 1 ? "" : "s"})`);
  if (session.dose_mg_per_kg !== null && session.dose_mg_per_kg !== undefined) {
    parts.push(
      parts.length ? `(${session.dose_mg_per_kg} mg/kg)` : `${session.dose_mg_per_kg} mg/kg`,
    );
  }
  return parts.join(" ");
}

/** "124/78" or "". */
export function bp(systolic, diastolic) {
  return systolic ? `${systolic}/${diastolic}` : "";
}

/** The message and per-field messages of an API error, flattened for a form. */
export function errorText(error) {
  const body = error && error.body;
  if (!body) return "Waypoint could not be reached. Try again.";
  const fields = body.errors || {};
  const details = Object.entries(fields).map(
    ([name, messages]) => `${name.replaceAll("_", " ")}: ${[messages].flat(3).join(" ")}`,
  );
  return [body.message, ...details].filter(Boolean).join(" ");
}

/** The ASQ's result in the NIMH pathway's words (null when there is none to show). */
export const ASQ_RESULT_WORDS = {
  negative: "ASQ negative",
  non_acute_positive: "ASQ non-acute positive: brief suicide safety assessment needed",
  acute_positive: "ASQ acute positive: imminent risk",
  pending: "ASQ offered, not answered yet",
  not_answered: "Follow-up questions not answered",
};
