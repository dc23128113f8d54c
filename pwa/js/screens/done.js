// After a check-in: thanks, the score in words, whether it has reached the care team, and
// crisis help first whenever a safety answer was given.

import * as data from "../data.js";
import { h, show } from "../dom.js";
import { getMeta } from "../idb.js";
import { t } from "../i18n.js";
import { onChange, queued, signalState } from "../outbox.js";
import { maybeOfferReminders } from "../push.js";
import {
  directionWords,
  RESULT_TITLE,
  STATUS,
  contextWords,
  deliveryOf,
  instrumentName,
  resultWords,
} from "../words.js";
import { callNowBlock, followDelivery, supportBlock, urgentBlock } from "./crisis.js";

async function sendState(id) {
  const row = (await queued()).find((r) => r.id === id);
  if (!row) return "sent";
  if (row.state === "refused") return "refused";
  if (row.last_status === 429) return "later";
  return row.last_status === 401 ? "signedOut" : "waiting";
}

/**
 * The screen shown once a check-in is saved on the phone. Everything it needs for crisis help
 * (the safety result worked out on the phone, the clinic's resources kept here, or 988/911)
 * is local: it draws at once and never waits on the network. Only the score card, drawn
 * afterwards, needs the instrument's definition.
 */
export async function doneScreen(app) {
  const last = await getMeta("last");
  if (!last) {
    location.hash = "#/";
    return;
  }
  const profile = await data.cachedMe();
  const monitoring = profile && profile.clinic ? profile.clinic.monitoring_hours : null;
  const resources = await data.crisisResources();
  const followUp = await getMeta("followup", null);
  const { local } = last;
  const imminent = local.result === "imminent" || local.safety.level === "imminent";
  // A warning sign of a blood-pressure crisis there now (a red flag's call_now): 911 first.
  const callNow = Boolean(local.call_now);
  const needsSupport = imminent || callNow || local.safety.endorsed || last.follow_up_of;

  let state = await sendState(last.id);
  const status = h(
    "p",
    { class: "send-status", role: "status", "data-state": state },
    STATUS[state],
  );
  // Told as soon as either the check-in or its earlier safety signal has been answered 2xx.
  const delivery = async () => {
    const checkin = await sendState(last.id);
    const signal = await signalState(last.id);
    if (checkin === "sent" || signal === "sent") return "told";
    if (checkin === "refused") return "refused";
    return deliveryOf(signal === "failed" ? "failed" : "waiting", navigator.onLine);
  };

  const parts = [];
  let block = null;
  if (imminent) {
    block = urgentBlock(resources, { monitoring, delivery: await delivery() });
    parts.push(block, status);
  } else if (callNow) {
    block = callNowBlock(resources, { monitoring, delivery: await delivery() });
    parts.push(block, status);
  } else if (needsSupport) {
    block = supportBlock(resources, { monitoring, delivery: await delivery() });
    parts.push(block, status);
  } else {
    parts.push(h("h1", {}, t("done.thanks")), status);
  }
  // Offered here only after the check-in that asked for it ("these thoughts" are its): after
  // another (a "Call 911 now" screen, a mood rating) it would point at nothing; home keeps
  // offering it until it is answered.
  if (followUp && followUp.after === last.id && !imminent) {
    parts.push(
      h(
        "section",
        { class: "card", "aria-labelledby": "followup-title" },
        h("h2", { id: "followup-title" }, t("home.followUpTitle")),
        h("p", {}, t("done.followUpText")),
        h(
          "a",
          { class: "button", href: `#/checkin/${encodeURIComponent(followUp.instrument)}` },
          t("home.followUpButton"),
        ),
      ),
    );
  }
  // After a safety answer the screen is about help; the score waits in the history.
  const scoreSlot =
    !needsSupport && local.total !== null && local.total !== undefined
      ? h("div", { class: "score-slot" })
      : null;
  const reminders = h("div", { class: "reminders" });
  parts.push(
    scoreSlot,
    reminders,
    h(
      "div",
      { class: "nav" },
      h("a", { class: "button secondary", href: "#/" }, t("checkin.backHome")),
      needsSupport
        ? null
        : h("a", { class: "button secondary", href: "#/history" }, t("home.history")),
    ),
  );
  show(app.main, RESULT_TITLE, parts);
  if (block) followDelivery(block, monitoring, delivery);
  if (scoreSlot) fillScore(scoreSlot, last);
  if (!needsSupport) maybeOfferReminders(reminders, profile);

  const stop = onChange(async () => {
    if (!document.body.contains(status)) return stop();
    const now = await sendState(last.id);
    if (now === state) return;
    state = now;
    status.textContent = STATUS[state];
    status.dataset.state = state;
  });
}

/** The score card, once the definition is at hand (this phone's copy first, then the network). */
async function fillScore(slot, last) {
  let definition = await data.cachedDefinition(last.instrument);
  if (!definition) {
    try {
      definition = await data.definition(last.instrument);
    } catch {
      slot.replaceChildren(h("p", { class: "hint" }, t("done.scoreLater")));
      return;
    }
  }
  slot.replaceChildren(scoreCard(definition, last));
}

function scoreCard(definition, last) {
  const { local } = last;
  const context = h("p", { class: "context" });
  const card = h(
    "section",
    { class: "card score", "aria-labelledby": "score-title" },
    h("h2", { id: "score-title" }, instrumentName(definition)),
    h("p", { class: "score-words" }, resultWords(definition, local.total, local.severity_label)),
    context,
    h("p", { class: "hint" }, t("done.notJudgment", { direction: directionWords(definition) })),
  );
  data
    .history()
    .then((items) => {
      const earlier = items
        .filter((c) => c.instrument === last.instrument && c.id !== last.id && c.total !== null)
        .filter((c) => c.completed_at < last.completed_at)
        .reverse();
      context.textContent = contextWords(local.total, earlier);
    })
    .catch(() => {
      context.textContent = t("done.compareLater");
    });
  return card;
}
