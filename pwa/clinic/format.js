// Words, dates, severity chips and sparklines shared by the clinic views.

import { h } from "/pwa/js/dom.js";

export const STATUS_WORDS = {
  worsening: "Worsening",
  remission: "In remission",
  response: "Responding",
  improving: "Improving",
  no_change: "No reliable change",
};

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

/** "26 Nov 2026" (or the empty string). */
export function day(iso) {
  return iso ? DATE.format(new Date(iso)) : "";
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

/** "−10 from baseline" in words a clinician scans. */
export function changeWords(score) {
  if (!score || score.change === null || score.change === undefined || score.n < 2) return "";
  if (score.change === 0) return "no change from baseline";
  const sign = score.change > 0 ? "+" : "−";
  return `${sign}${Math.abs(score.change)} from baseline ${score.baseline}`;
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
