// Home: what is due, a check-in in progress, anything waiting to send, and the way to history.

import { h, show } from "../dom.js";
import { all, getMeta } from "../idb.js";
import { queued } from "../outbox.js";
import { INSTRUMENT_NAMES, STATUS, formatDay } from "../words.js";

function firstName(profile) {
  const name = profile && profile.display_name ? profile.display_name.trim().split(/\s+/)[0] : "";
  return name ? `Hello, ${name}` : "Hello";
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
      count === 1 ? "1 check-in on this phone" : `${count} check-ins on this phone`,
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
      ready ? `Your ${name.toLowerCase()} is ready` : "Your next check-in",
    ),
    h("p", {}, ready ? "It takes about two minutes." : `${name} on ${formatDay(next.due_at)}.`),
    ready
      ? h(
          "a",
          { class: "button", href: `#/checkin/${encodeURIComponent(next.instrument)}` },
          "Start now",
        )
      : null,
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
    h("h2", { id: "support-card-title" }, "Help is here"),
    h(
      "p",
      {},
      "If things feel hard, you can talk to someone now, day or night. You do not have to wait for your care team.",
    ),
    h("a", { class: "button", href: "#/help" }, "See who you can reach now"),
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

  show(
    app.main,
    "Home",
    h("h1", {}, firstName(profile)),
    support ||
      h(
        "p",
        { class: "lead" },
        "Thank you for taking a moment for yourself. Your answers help your care team help you.",
      ),
    followUp
      ? h(
          "section",
          { class: "card notice", "aria-labelledby": "followup-title" },
          h("h2", { id: "followup-title" }, "A few more questions"),
          h(
            "p",
            {},
            "Your care team asks a few short yes-or-no questions after your last check-in.",
          ),
          h(
            "a",
            { class: "button", href: `#/checkin/${encodeURIComponent(followUp.instrument)}` },
            "Answer the questions",
          ),
        )
      : null,
    drafts.map((d) =>
      h(
        "section",
        { class: "card", "aria-labelledby": `draft-${d.instrument}` },
        h("h2", { id: `draft-${d.instrument}` }, "You started a check-in"),
        h("p", {}, "Your answers so far are saved on this phone."),
        h(
          "a",
          { class: "button", href: `#/checkin/${encodeURIComponent(d.instrument)}` },
          "Continue where I left off",
        ),
      ),
    ),
    outboxCard(waiting),
    dueCard(profile),
    h(
      "section",
      { "aria-labelledby": "start-title" },
      h("h2", { id: "start-title" }, "Check in any time"),
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
      h("a", { class: "button secondary", href: "#/history" }, "See how you have been doing"),
      h("a", { class: "button secondary", href: "#/reminders" }, "Reminders"),
    ),
  );
}

/** Shown when this phone is not signed in. */
export async function welcomeScreen(app) {
  const waiting = await queued();
  show(
    app.main,
    "Welcome",
    h("h1", {}, "Welcome to Waypoint"),
    h(
      "p",
      { class: "lead" },
      "Waypoint helps you and your care team follow how you are doing between treatment sessions.",
    ),
    h(
      "p",
      {},
      "To start, open the invite link your care team sent you on this phone. " +
        "If the link has stopped working, please ask them for a new one.",
    ),
    waiting.length
      ? h(
          "section",
          { class: "card notice", "aria-labelledby": "outbox-title" },
          h("h2", { id: "outbox-title" }, "Answers waiting on this phone"),
          h(
            "p",
            { class: "send-status", role: "status", "data-state": "signedOut" },
            STATUS.signedOut,
          ),
        )
      : null,
  );
}
