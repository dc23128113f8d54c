// Before a second check-in of one questionnaire on one day: ask, in a sentence, whether the
// patient means to answer again (the questions cover two weeks; the clinic sees a same-day
// retake flagged, not as a change).

import * as data from "../data.js";
import { h, show } from "../dom.js";
import { t } from "../i18n.js";
import { getMeta } from "../idb.js";
import { queued } from "../outbox.js";
import { instrumentName } from "../words.js";
import { helpBar } from "./crisis.js";

function today(iso) {
  return Boolean(iso) && new Date(iso).toDateString() === new Date().toDateString();
}

/**
 * Whether this phone knows of a check-in of `code` the signed-in patient finished today (sent
 * or still queued). "last" and "history" are the patient's own (forgotten when another signs
 * in); queued check-ins carry whose they are.
 */
export async function answeredToday(code) {
  const [patientId, last, waiting, history] = await Promise.all([
    getMeta("patient_id", null),
    getMeta("last", null),
    queued().catch(() => []),
    data.cachedHistory().catch(() => null),
  ]);
  const own = waiting.filter((row) => row.patient_id === patientId);
  const rows = [last, ...own, ...(history || [])].filter(Boolean);
  return rows.some((row) => row.instrument === code && today(row.completed_at));
}

/** The small confirm screen; `onStart` opens the check-in anyway. */
export async function retakeScreen(app, definition, onStart) {
  const resources = await data.crisisResources();
  const start = h("button", { type: "button", class: "button" }, t("retake.answerAgain"));
  start.addEventListener("click", onStart);
  show(
    app.main,
    t("checkin.title"),
    h("h1", {}, t("retake.title", { name: instrumentName(definition) })),
    h("p", {}, t("retake.text")),
    h("p", {}, t("retake.question")),
    h(
      "div",
      { class: "actions" },
      start,
      h("a", { class: "button secondary", href: "#/" }, t("retake.notNow")),
    ),
    helpBar(resources),
  );
}
