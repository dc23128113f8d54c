// Home: what is due, a check-in in progress, anything waiting to send, and the way to history.

import { h, show } from "../dom.js";
import { PENDING_MS, activePlan, openAfterCheck, pendingCheck } from "../doses.js";
import { all, getMeta } from "../idb.js";
import { queued } from "../outbox.js";
import { LANG, switchLanguage, t } from "../i18n.js";
import { DOSE, INSTRUMENT_NAMES, STATUS, formatDay } from "../words.js";

function firstName(profile) {
  const name = profile && profile.display_name ? profile.display_name.trim().split(/\s+/)[0] : "";
  return name ? t("home.helloName", { name }) : t("home.hello");
}

function outboxCard(rows) {
  if (!rows.length) return null;
  const refused = rows.filter((r) => r.state === "refused").length;
  const signedOut = rows.some((r) => r.last_status === 401);
  const later = rows.some((r) => r.last_status === 429);
  const text = refused
    ? STATUS.refused
    : signedOut
      ? STATUS.signedOut
      : later
        ? STATUS.later
        : STATUS.waiting;
  // A safety signal and its finished check-in are one check-in to the patient.
  const count = rows.filter(
    (r) => r.kind !== "signal" || !rows.some((o) => o.id === r.checkin_id),
  ).length;
  return h(
    "section",
    { class: "card notice", "aria-labelledby": "outbox-title" },
    h(
      "h2",
      { id: "outbox-title" },
      count === 1 ? t("home.outboxOne") : t("home.outboxMany", { count }),
    ),
    h(
      "p",
      { class: "send-status", role: "status", "data-state": refused ? "refused" : "waiting" },
      text,
    ),
  );
}

function dueCard(profile) {
  const due = (profile && profile.next_due) || [];
  if (!due.length) return null;
  const next = due[0];
  const name = INSTRUMENT_NAMES[next.instrument]
    ? INSTRUMENT_NAMES[next.instrument].name
    : next.instrument;
  const ready = new Date(next.due_at) <= new Date();
  return h(
    "section",
    { class: "card due", "aria-labelledby": "due-title" },
    h(
      "h2",
      { id: "due-title" },
      ready ? t("home.ready", { name: name.toLowerCase() }) : t("home.next"),
    ),
    h("p", {}, ready ? t("home.takes") : t("home.nextOn", { name, day: formatDay(next.due_at) })),
    ready
      ? h(
          "a",
          { class: "button", href: `#/checkin/${encodeURIComponent(next.instrument)}` },
          t("home.startNow"),
        )
      : null,
  );
}

/**
 * The dose card, for patients with a home-dosing plan (or a dose whose after-dose check is
 * still open): the after-dose check when due, the rest timer, a passed check waiting for
 * "I took my dose", or the pre-dose check.
 */
async function doseCard() {
  const [plan, open, pending] = await Promise.all([activePlan(), openAfterCheck(), pendingCheck()]);
  if (!plan && !open) return null;
  let text = DOSE.homeStart;
  let link = ["#/ready", DOSE.homeStartButton];
  if (open && open.due) {
    text = DOSE.homeDue;
    link = ["#/after", DOSE.homeDueButton];
  } else if (open) {
    text = DOSE.homeResting;
    link = ["#/rest", DOSE.homeRestingButton];
  } else if (pending && Date.now() - Date.parse(pending.checked_at) < PENDING_MS) {
    text = DOSE.homePending;
    link = ["#/ready", DOSE.homePendingButton];
  }
  return h(
    "section",
    { class: "card dose", "aria-labelledby": "dose-title" },
    h("h2", { id: "dose-title" }, DOSE.homeTitle),
    h("p", {}, text),
    h("a", { class: "button", href: link[0] }, link[1]),
  );
}

/** Days after a safety answer during which home offers help before anything cheerful. */
export const SUPPORT_DAYS = 3;

/** The calm "help is here" card, while a safety answer is recent. */
function supportCard(since) {
  if (!since || Date.now() - new Date(since).getTime() > SUPPORT_DAYS * 86_400_000) return null;
  return h(
    "section",
    { class: "card support-card", "aria-labelledby": "support-card-title" },
    h("h2", { id: "support-card-title" }, t("home.supportTitle")),
    h("p", {}, t("home.supportText")),
    h("a", { class: "button", href: "#/help" }, t("home.supportButton")),
  );
}

/** The other language's button, in that language (and marked so): on home and welcome. */
export function languageSwitch() {
  const other = LANG === "en" ? "es" : "en";
  return h(
    "p",
    { class: "language-switch" },
    h(
      "button",
      {
        type: "button",
        class: "button secondary",
        lang: other,
        "aria-label": t("language.switchLabel"),
        onclick: switchLanguage,
      },
      t("language.switch"),
    ),
  );
}

/** The home screen. */
export async function homeScreen(app) {
  const profile = app.profile;
  const followUp = await getMeta("followup", null);
  const drafts = (await all("drafts")).filter((d) => Object.keys(d.answers).length);
  const patientId = await getMeta("patient_id", null);
  const waiting = (await queued()).filter((row) => row.patient_id === patientId);
  const offered = (profile && profile.instruments) || Object.keys(INSTRUMENT_NAMES);
  // Our own order (mood first); the follow-up questions are asked only after a check-in.
  const codes = Object.keys(INSTRUMENT_NAMES).filter(
    (code) => code !== "asq" && offered.includes(code),
  );
  const support = supportCard(await getMeta("support_since", null));
  const dose = await doseCard();

  show(
    app.main,
    t("home.title"),
    h("h1", {}, firstName(profile)),
    support || h("p", { class: "lead" }, t("home.lead")),
    followUp
      ? h(
          "section",
          { class: "card notice", "aria-labelledby": "followup-title" },
          h("h2", { id: "followup-title" }, t("home.followUpTitle")),
          h("p", {}, t("home.followUpText")),
          h(
            "a",
            { class: "button", href: `#/checkin/${encodeURIComponent(followUp.instrument)}` },
            t("home.followUpButton"),
          ),
        )
      : null,
    dose,
    drafts.map((d) =>
      h(
        "section",
        { class: "card", "aria-labelledby": `draft-${d.instrument}` },
        h("h2", { id: `draft-${d.instrument}` }, t("home.draftTitle")),
        h("p", {}, t("home.draftText")),
        h(
          "a",
          { class: "button", href: `#/checkin/${encodeURIComponent(d.instrument)}` },
          t("home.draftButton"),
        ),
      ),
    ),
    outboxCard(waiting),
    dueCard(profile),
    h(
      "section",
      { "aria-labelledby": "start-title" },
      h("h2", { id: "start-title" }, t("home.anyTime")),
      h(
        "ul",
        { class: "choices" },
        codes.map((code) =>
          h(
            "li",
            {},
            h(
              "a",
              { class: "choice", href: `#/checkin/${encodeURIComponent(code)}` },
              h("span", { class: "choice-name" }, INSTRUMENT_NAMES[code].name),
              h("span", { class: "choice-about" }, INSTRUMENT_NAMES[code].about),
            ),
          ),
        ),
      ),
    ),
    h(
      "div",
      { class: "nav" },
      h("a", { class: "button secondary", href: "#/history" }, t("home.history")),
      h("a", { class: "button secondary", href: "#/reminders" }, t("home.reminders")),
    ),
    languageSwitch(),
  );
}

/** Shown when this phone is not signed in. */
export async function welcomeScreen(app) {
  const waiting = await queued();
  show(
    app.main,
    t("welcome.title"),
    h("h1", {}, t("welcome.heading")),
    h("p", { class: "lead" }, t("welcome.lead")),
    h("p", {}, t("welcome.text")),
    waiting.length
      ? h(
          "section",
          { class: "card notice", "aria-labelledby": "outbox-title" },
          h("h2", { id: "outbox-title" }, t("welcome.waiting")),
          h(
            "p",
            { class: "send-status", role: "status", "data-state": "signedOut" },
            STATUS.signedOut,
          ),
        )
      : null,
    languageSwitch(),
  );
}
