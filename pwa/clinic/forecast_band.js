// The booster forecast on the patient page (docs/clinical.md, "Booster forecast"): the range of
// days in which the risk of having lost the response reaches the threshold, as a band on the
// trend chart, and what it is based on in words. Decision support for staff, never an
// instruction; the patient app never shows it.

import { h } from "/pwa/js/dom.js";
import { day } from "./format.js";

const DAY_MS = 86400000;
const HORIZON_DAYS = 56;

/** {from, to, at} (epoch ms) of the chart's band, or null without a forecast. `to` is the end
 * of the forecast's 8 weeks when the range runs past them. */
export function forecastBand(body) {
  if (!body || body.reason !== "forecast" || !body.due_at) return null;
  const session = new Date(body.session_at).getTime();
  const time = (iso, fallback) => (iso ? new Date(iso).getTime() : fallback);
  return {
    from: time(body.due_low_at, session),
    to: time(body.due_high_at, session + HORIZON_DAYS * DAY_MS),
    at: time(body.due_at),
    label: `Booster likely due (risk ${Math.round(body.alarm_risk * 100)} %)`,
  };
}

/** The words under the chart: when, the range, the basis; or why there is none. */
export function forecastNote(body) {
  if (!body) return null;
  if (body.reason !== "forecast") {
    return h("p", { class: "meta forecast-note" }, `Booster forecast: ${body.words}`);
  }
  const when = body.due_at
    ? `the risk of having lost the response reaches ${Math.round(body.alarm_risk * 100)} % ` +
      `on ${day(body.due_at)} (range ${body.due_low_at ? day(body.due_low_at) : "-"} to ` +
      `${body.due_high_at ? day(body.due_high_at) : "beyond 8 weeks"})`
    : "the risk stays below the threshold for 8 weeks after the session";
  return h(
    "p",
    { class: "meta forecast-note" },
    `Booster forecast: ${when}. ${body.words} A forecast to weigh, not an instruction.`,
  );
}
