// Everything the app says around the instruments, in the page's language (i18n.js; the words
// themselves are in words/en.js and words/es.js). The instruments' own wording comes from
// their definitions and is never changed here.

import { LANG, LOCALE, t } from "./i18n.js";

const CODES = ["mood", "phq9", "gad7", "post_session", "asq"];

/** Our own order (mood first) and friendly name of each instrument. */
export const INSTRUMENT_NAMES = Object.fromEntries(
  CODES.map((code) => [
    code,
    { name: t(`instrument.${code}.name`), about: t(`instrument.${code}.about`) },
  ]),
);

/** A friendly name for an instrument, with its own short title. */
export function instrumentName(definitionOrCode, shortTitle) {
  const code = typeof definitionOrCode === "string" ? definitionOrCode : definitionOrCode.code;
  const title =
    shortTitle || (typeof definitionOrCode === "object" ? definitionOrCode.short_title : code);
  const known = INSTRUMENT_NAMES[code];
  return known ? t("instrument.nameWithTitle", { name: known.name, title }) : title;
}

/**
 * The note shown when `definition` (or one of its items) is asked in another language than
 * the app's: an instrument with no verified published translation is shown as published, and
 * a check-in begun before a switch of language (`startedIn`, the app's language then) is
 * finished in the language it began in.
 */
export function languageNote(definition, item = null, startedIn = null) {
  if (definition.language !== LANG && startedIn && startedIn !== LANG) {
    return t("instrument.startedInLanguage");
  }
  if (definition.language !== LANG) return t("instrument.notInLanguage");
  if (item && item.language && item.language !== LANG) return t("instrument.itemNotInLanguage");
  return null;
}

/** A date in the patient's own words: "Tuesday, March 4". */
export function formatDay(iso) {
  return new Intl.DateTimeFormat(LOCALE, {
    weekday: "long",
    month: "long",
    day: "numeric",
  }).format(new Date(iso));
}

/** A short date for charts and lists: "Mar 4". */
export function formatShort(iso) {
  return new Intl.DateTimeFormat(LOCALE, { month: "short", day: "numeric" }).format(new Date(iso));
}

/** "7 out of 27, in the mild range": a score is never shown as a bare number. */
export function scoreWords(definition, total, severityLabel) {
  const max = definition.scoring ? definition.scoring.max : null;
  const out = max === null ? `${total}` : t("score.outOf", { total, max });
  return severityLabel
    ? t("score.inRange", { score: out, band: severityLabel.toLowerCase() })
    : out;
}

/** How this total compares with earlier ones of the same instrument (oldest first). */
export function contextWords(total, earlier) {
  if (!earlier.length) return t("score.firstOne");
  const first = earlier[0];
  const last = earlier[earlier.length - 1];
  const parts = [];
  parts.push(
    t("score.lastOn", {
      comparison: compare(total, last.total),
      day: formatDay(last.completed_at),
    }),
  );
  if (earlier.length > 1) parts.push(t("score.first", { comparison: compare(total, first.total) }));
  return t("score.thatIs", { parts: parts.join(t("score.and")) });
}

function compare(total, other) {
  if (total < other) return t("score.lower");
  if (total > other) return t("score.higher");
  return t("score.same");
}

export const LOWER_IS_BETTER = t("score.lowerIsBetter");
export const HIGHER_IS_BETTER = t("score.higherIsBetter");

/** Which way is better on this instrument: a rating (the daily mood) counts up. */
export function directionWords(definition) {
  return definition.kind === "rating" ? HIGHER_IS_BETTER : LOWER_IS_BETTER;
}

/** "Your answers add up to 7 out of 27, in the mild range." or "You rated your mood 6 out of 10." */
export function resultWords(definition, total, severityLabel) {
  const score = scoreWords(definition, total, severityLabel);
  return definition.kind === "rating" ? t("score.rated", { score }) : t("score.addsUp", { score });
}

/**
 * Where the answers are, in words that are never ahead of the truth: "told" only once the server
 * has answered 2xx, "sending" while a send is under way, "offline" while they wait on this phone.
 */
export const DELIVERY = Object.fromEntries(
  ["told", "sending", "offline", "refused", "unsent"].map((key) => [key, t(`delivery.${key}`)]),
);

/** The honest sentences about whether and when the care team will see the answers; `reach`
 * is what to do meanwhile (the "Call 911 now" screen has one number, not a list). */
export function monitoringWords(monitoring, delivery, reach = t("monitoring.reach")) {
  const when = DELIVERY[delivery] || DELIVERY.offline;
  const hours = monitoring || t("monitoring.hours");
  return `${when} ${hours} ${reach}`;
}

/** What the "Call 911 now" screen says to do while the care team may not have seen it. */
export function callNowReach(number) {
  return t("monitoring.callNowReach", { number });
}

/** The delivery words' key for an outbox state ("waiting", "failed", "sent", "refused" or null). */
export function deliveryOf(state, online) {
  if (state === "sent") return "told";
  if (state === "refused") return "refused";
  if (state === null || state === undefined) return "unsent";
  return online && state !== "failed" ? "sending" : "offline";
}

/** The one page title of a check-in's result and help screens: history shows nothing more. */
export const RESULT_TITLE = t("result.title");

export const STATUS = Object.fromEntries(
  ["saving", "waiting", "later", "sent", "refused", "signedOut"].map((key) => [
    key,
    t(`status.${key}`),
  ]),
);

/** The opt-out page of a reminder's link (pwa/stop.html); what was stopped is the server's. */
export const STOP_WORDS = Object.fromEntries(
  ["sending", "offline", "failed"].map((key) => [key, t(`stop.${key}`)]),
);

/** The Reminders screen's part about how reminders reach the patient. */
export const CHANNEL_WORDS = {
  ...Object.fromEntries(
    [
      "title",
      "hint",
      "webpush",
      "email",
      "sms",
      "email_label",
      "phone_label",
      "phone_hint",
      "none",
      "save",
      "saving",
      "saved",
      "refused",
      "offline",
      "push_note",
    ].map((key) => [key, t(`channels.${key}`)]),
  ),
  current: (hint) => t("channels.current", { hint }),
};

// At-home doses (issue #20): the pre-dose check, its answer, the rest after a dose and the
// after-dose check. Kind and plain: a dose held back is for safety, never a telling-off.

/** "9:02 AM" (or "09:02", as the phone says times; "9:02 a.m." in Spanish). */
export function formatTime(iso) {
  return new Intl.DateTimeFormat(LOCALE, { hour: "numeric", minute: "2-digit" }).format(
    new Date(iso),
  );
}

/** "Tuesday, March 4 at 9:02 AM" ("martes, 4 de marzo, 9:02 a.m."): Intl joins them. */
export function formatDayTime(iso) {
  return new Intl.DateTimeFormat(LOCALE, {
    weekday: "long",
    month: "long",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  }).format(new Date(iso));
}

/** "at 9:02 AM"; in Spanish "a las 9:02 a.m.", but "a la 1:05 p.m." (the hour one). */
function atTime(iso) {
  return atWords(formatTime(iso));
}

/** "at {time}" for a time as the phone shows it ("1:05 PM", "13:05"): its hour, the first
 * number, picks Spanish "a la" (one o'clock) over "a las". */
export function atWords(time) {
  const [hour] = time.match(/\d+/) || [];
  return Number(hour) === 1 ? t("time.atOne", { time }) : t("time.at", { time });
}

/** "1 minute", "42 minutes", "2 hours, 5 minutes": units and plurals from Intl. */
export function spanWords(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const count = (n, unit) =>
    new Intl.NumberFormat(LOCALE, { style: "unit", unit, unitDisplay: "long" }).format(n);
  if (!hours) return count(rest, "minute");
  if (!rest) return count(hours, "hour");
  return new Intl.ListFormat(LOCALE, { type: "unit", style: "long" }).format([
    count(hours, "hour"),
    count(rest, "minute"),
  ]);
}

/** The generic page title of every dose screen: nothing in the tab says what it is. */
export const DOSE_TITLE = t("checkin.title");

/** What to do when a reading is over the plan's limit (the blood pressure or the pulse). */
const SIT_AND_RECHECK = t("dose.sitAndRecheck");

export const DOSE = {
  homeTitle: t("dose.homeTitle"),
  homeStart: t("dose.homeStart"),
  homeStartButton: t("dose.homeStartButton"),
  homeResting: t("dose.homeResting"),
  homeRestingButton: t("dose.homeRestingButton"),
  homeDue: t("dose.homeDue"),
  homeDueButton: t("dose.homeDueButton"),
  homePending: t("dose.homePending"),
  homePendingButton: t("dose.homePendingButton"),
  noPlanTitle: t("dose.noPlanTitle"),
  noPlan: t("dose.noPlan"),
  checkTitle: t("dose.checkTitle"),
  checkLead: t("dose.checkLead"),
  systolic: t("dose.systolic"),
  diastolic: t("dose.diastolic"),
  heartRate: t("dose.heartRate"),
  readingHint: t("dose.readingHint"),
  monitorQuestion: t("dose.monitorQuestion"),
  /** The question with the monitor the clinic's plan names ("Is Jordan, your monitor, ..."). */
  monitorQuestionNamed: (name) => t("dose.monitorQuestionNamed", { name }),
  symptomsQuestion: t("dose.symptomsQuestion"),
  outsideQuestion: t("dose.outsideQuestion"),
  outsideWhen: t("dose.outsideWhen"),
  outsideNote: t("dose.outsideNote"),
  lastDose: (iso) => t("dose.lastDose", { when: formatDayTime(iso) }),
  noLastDose: t("dose.noLastDose"),
  yes: t("dose.yes"),
  no: t("dose.no"),
  submit: t("dose.submit"),
  fixErrors: t("dose.fixErrors"),
  errors: {
    systolic: t("dose.error.systolic"),
    diastolic: t("dose.error.diastolic"),
    heart_rate: t("dose.error.heartRate"),
    choose: t("dose.error.choose"),
    outside_when: t("dose.error.outsideWhen"),
  },
  holdTitle: t("dose.holdTitle"),
  holdLead: t("dose.holdLead"),
  reasonsTitle: t("dose.reasonsTitle"),
  reasons: {
    bp_high: (v, plan) => [
      t("dose.bpHigh", {
        systolic: v.systolic,
        diastolic: v.diastolic,
        systolicMax: plan.systolic_max,
        diastolicMax: plan.diastolic_max,
      }),
      SIT_AND_RECHECK,
    ],
    heart_rate_high: (v, plan) => [
      t("dose.heartRateHigh", { heartRate: v.heart_rate, heartRateMax: plan.heart_rate_max }),
      SIT_AND_RECHECK,
    ],
    monitor_absent: () => [t("dose.monitorAbsent"), t("dose.monitorAbsentWhat")],
    new_symptoms: () => [t("dose.newSymptoms"), t("dose.newSymptomsWhat")],
    too_soon: (v, plan, nextAt) => [
      t("dose.tooSoon"),
      t("dose.tooSoonWhat", { when: formatDayTime(nextAt) }),
    ],
    weekly_max: (v, plan) => [
      new Intl.PluralRules(LOCALE).select(plan.max_per_week) === "one"
        ? t("dose.weeklyMaxOne")
        : t("dose.weeklyMaxMany", { count: plan.max_per_week }),
      t("dose.weeklyMaxWhat"),
    ],
    prescription_used: () => [t("dose.prescriptionUsed"), t("dose.prescriptionUsedWhat")],
  },
  told: {
    told: t("delivery.told"),
    sending: t("dose.told.sending"),
    offline: t("dose.told.offline"),
    refused: t("dose.told.refused"),
  },
  call: (number) => t("crisis.call", { phone: number }),
  checkAgain: t("dose.checkAgain"),
  backHome: t("checkin.backHome"),
  okTitle: t("dose.okTitle"),
  okLead: t("dose.okLead"),
  okSteps: [t("dose.okStep1"), t("dose.okStep2", { button: t("dose.took") })],
  took: t("dose.took"),
  notNow: t("dose.notNow"),
  stale: t("dose.stale"),
  restTitle: t("dose.restTitle"),
  restTook: (iso) => t("dose.restTook", { at: atTime(iso) }),
  restElapsed: (ms) => t("dose.restElapsed", { span: spanWords(ms) }),
  restNext: (iso) => t("dose.restNext", { at: atTime(iso) }),
  restTipsTitle: t("dose.restTipsTitle"),
  /** How to rest; the monitor by the name the clinic's plan gives, when it gives one. */
  restTips: (name) => [
    t("dose.restTip1"),
    name ? t("dose.restTip2Named", { name }) : t("dose.restTip2"),
    t("dose.restTip3"),
    t("dose.restTip4"),
  ],
  restDue: t("dose.restDue"),
  afterTitle: t("dose.afterTitle"),
  safeQuestion: t("dose.safeQuestion"),
  safeYes: t("dose.safeYes"),
  safeNo: t("dose.safeNo"),
  afterContinue: t("dose.afterContinue"),
  passedQuestion: t("dose.passedQuestion"),
  passedYes: t("dose.passedYes"),
  passedNo: t("dose.passedNo"),
  notYetTitle: t("dose.notYetTitle"),
  notYet: t("dose.notYet"),
  askAgain: t("dose.askAgain"),
  goOn: t("dose.goOn"),
};
