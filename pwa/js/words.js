// Everything the app says around the instruments: plain, warm, about a sixth-grade level.
// The instruments' own wording comes from their definitions and is never changed here.

export const INSTRUMENT_NAMES = {
  mood: { name: "Today's mood", about: "One quick question: your mood today, from 0 to 10" },
  phq9: { name: "Mood check-in", about: "9 questions about your mood over the last 2 weeks" },
  gad7: {
    name: "Worry check-in",
    about: "7 questions about worry and stress over the last 2 weeks",
  },
  post_session: {
    name: "After-session check",
    about: "A few questions about how you felt after your last treatment",
  },
  asq: {
    name: "A few more questions",
    about: "Questions your care team asks to understand how to help",
  },
};

/** A friendly name for an instrument, with its own short title. */
export function instrumentName(definitionOrCode, shortTitle) {
  const code = typeof definitionOrCode === "string" ? definitionOrCode : definitionOrCode.code;
  const title =
    shortTitle || (typeof definitionOrCode === "object" ? definitionOrCode.short_title : code);
  const known = INSTRUMENT_NAMES[code];
  return known ? `${known.name} (${title})` : title;
}

/** A date in the patient's own words: "Tuesday, March 4". */
export function formatDay(iso) {
  return new Intl.DateTimeFormat(undefined, {
    weekday: "long",
    month: "long",
    day: "numeric",
  }).format(new Date(iso));
}

/** A short date for charts and lists: "Mar 4". */
export function formatShort(iso) {
  return new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" }).format(
    new Date(iso),
  );
}

/** "7 out of 27, in the mild range": a score is never shown as a bare number. */
export function scoreWords(definition, total, severityLabel) {
  const max = definition.scoring ? definition.scoring.max : null;
  const out = max === null ? `${total}` : `${total} out of ${max}`;
  return severityLabel ? `${out}, in the ${severityLabel.toLowerCase()} range` : out;
}

/** How this total compares with earlier ones of the same instrument (oldest first). */
export function contextWords(total, earlier) {
  if (!earlier.length)
    return "This is your first one, so it will be the starting point to compare with.";
  const first = earlier[0];
  const last = earlier[earlier.length - 1];
  const parts = [];
  parts.push(`${compare(total, last.total)} your last check-in on ${formatDay(last.completed_at)}`);
  if (earlier.length > 1) parts.push(`${compare(total, first.total)} your first one`);
  return `That is ${parts.join(", and ")}.`;
}

function compare(total, other) {
  if (total < other) return "lower than";
  if (total > other) return "higher than";
  return "the same as";
}

export const LOWER_IS_BETTER = "Lower numbers mean the problems bothered you less.";

/**
 * Where the answers are, in words that are never ahead of the truth: "told" only once the server
 * has answered 2xx, "sending" while a send is under way, "offline" while they wait on this phone.
 */
export const DELIVERY = {
  told: "Your care team has been told.",
  sending: "Still sending your answers to your care team…",
  offline: "Your answers are saved on this phone and will be sent when you are back online.",
  refused:
    "Your answers could not be sent. They are still on this phone; please tell your care team.",
  unsent: "Your answers are saved on this phone. Your care team will get them when you finish.",
};

/** The honest sentences about whether and when the care team will see the answers. */
export function monitoringWords(monitoring, delivery) {
  const when = DELIVERY[delivery] || DELIVERY.offline;
  const hours =
    monitoring ||
    "They do not watch this app all day and night, so they may not see your answers right away.";
  return `${when} ${hours} If you need to talk to someone now, please call or text one of the numbers here.`;
}

/** The delivery words' key for an outbox state ("waiting", "failed", "sent", "refused" or null). */
export function deliveryOf(state, online) {
  if (state === "sent") return "told";
  if (state === "refused") return "refused";
  if (state === null || state === undefined) return "unsent";
  return online && state !== "failed" ? "sending" : "offline";
}

/** The one page title of a check-in's result and help screens: history shows nothing more. */
export const RESULT_TITLE = "Check-in";

export const STATUS = {
  saving: "Saving your answers…",
  waiting: "Saved on this phone. It will send when you are online.",
  later: "Saved on this phone. It will be sent in a minute or so.",
  sent: "Sent to your care team.",
  refused:
    "One check-in could not be sent, but your answers are still on this phone. Please tell your care team.",
  signedOut:
    "Saved on this phone. To send it, please open your invite link again or ask your care team for a new one.",
};
