// One alert as a reason inside its case: priority in words and colour, the reason, the answer
// that raised it (in the instrument's words) and when it was given; and the case's timeline
// and per-channel deliveries (case_card.js draws the case around them).

import { h } from "/pwa/js/dom.js";
import { ASQ_RESULT_WORDS, PRIORITY_WORDS, relative, when } from "./format.js";

const KIND_WORDS = {
  contact_reached: "Patient reached",
  contact_tried: "Tried to reach the patient",
  contact_left_message: "Left a message",
  created: "Raised",
  repeated: "Answered again",
  delivered: "Notification sent",
  escalated: "Escalated",
  acknowledged: "Acknowledged",
  resolved: "Resolved",
};

/** Priorities whose first round always notifies the care team (api/pipeline/notify.py). */
const ALWAYS_NOTIFIED = new Set(["imminent", "urgent"]);
/** What an urgent case with no delivery at all says: a gap in who can be reached, not "fine". */
const NOBODY_TOLD =
  "No notification was sent for this urgent case: check that the care team, on-call staff " +
  "and admins can be reached (an email address, an alert device or a channel; Clinic → Settings).";

/** "Notifications: 2 sent, 0 pending, 0 failed", and a warning when an urgent case has none. */
export function deliverySummary(counts, priority = null) {
  if (!counts) return "";
  const line = `Notifications: ${counts.sent} sent, ${counts.pending} pending, ${counts.failed} failed`;
  const none = counts.sent + counts.pending + counts.failed === 0;
  return none && ALWAYS_NOTIFIED.has(priority) ? `${line}. ${NOBODY_TOLD}` : line;
}

/**
 * When a repeated safety answer was given, where it differs from when it arrived (a phone
 * that was offline): the timeline's time is the arrival, and must not pass for the answer.
 */
function answeredNote(event) {
  const answered = event.kind === "repeated" && event.detail && event.detail.answered_at;
  if (!answered || Math.abs(new Date(answered) - new Date(event.at)) < 60_000) return "";
  return ` (answered ${when(answered)})`;
}

/** What a repeated safety answer was: ": “Nearly every day”". */
function repeatedLevel(event) {
  const answers = event.kind === "repeated" && event.detail && event.detail.answers;
  if (!answers || !answers.length) return "";
  return `: ${answers.map((a) => `“${a.label ?? a.value}”`).join(", ")}`;
}

/** "2 days ago" for an answer that sat offline a day or more, else as `relative`. */
function answeredAgo(iso, now = Date.now()) {
  const days = Math.floor((now - new Date(iso).getTime()) / 86_400_000);
  if (days < 1) return relative(iso, now);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}

/** The safety answers that raised the alert: "“Nearly every day” to “Thoughts that…”". */
function answerLines(alert) {
  if (!alert.safety_answers || !alert.safety_answers.length) return null;
  return h(
    "ul",
    { class: "plain safety-answers" },
    alert.safety_answers.map((a) =>
      h(
        "li",
        { "data-item": a.link_id, "data-value": String(a.value) },
        "Answered ",
        h("strong", { class: "answer-level" }, a.label ?? String(a.value)),
        ` to “${a.text}”`,
      ),
    ),
  );
}

/** When the patient answered, and whether the answer sat on an offline phone. */
function answeredLine(alert) {
  if (!alert.answered_at) return null;
  if (alert.sat_offline) {
    return h(
      "p",
      { class: "meta answered offline" },
      h("strong", {}, `Answered ${answeredAgo(alert.answered_at)}`),
      ` (${when(alert.answered_at)}), kept on the phone while it was offline; `,
      `arrived ${when(alert.received_at)}`,
    );
  }
  return h(
    "p",
    { class: "meta answered" },
    `Answered ${relative(alert.answered_at)} (${when(alert.answered_at)})`,
  );
}

/** The case's timeline: each step with who took it, the answer level and when it was given. */
export function timelineList(events) {
  return h(
    "ol",
    { class: "timeline" },
    events.map((event) =>
      h(
        "li",
        {},
        `${when(event.at)}: ${KIND_WORDS[event.kind] || event.kind}`,
        event.detail && event.detail.method ? ` (${event.detail.method.replace("_", " ")})` : "",
        event.actor ? ` by ${event.actor.name}` : "",
        repeatedLevel(event),
        answeredNote(event),
        event.detail && event.detail.note ? `: “${event.detail.note}”` : "",
      ),
    ),
  );
}

/** Every notification delivery of the case, by channel. */
export function deliveriesTable(deliveries, priority = null) {
  const headings = ["Channel", "Recipient", "Round", "Status", "Attempts", "Sent", "Last error"];
  return h(
    "table",
    {},
    h("caption", {}, "Deliveries by channel"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headings.map((t) => h("th", { scope: "col" }, t)),
      ),
    ),
    h(
      "tbody",
      {},
      deliveries.length
        ? deliveries.map((d) =>
            h(
              "tr",
              {},
              h("td", {}, d.channel),
              h("td", {}, d.recipient),
              h("td", { class: "num" }, d.round),
              h("td", {}, d.status),
              h("td", { class: "num" }, d.attempts),
              h("td", {}, when(d.sent_at)),
              h("td", {}, d.last_error || ""),
            ),
          )
        : h(
            "tr",
            {},
            h(
              "td",
              { colspan: "7" },
              ALWAYS_NOTIFIED.has(priority) ? NOBODY_TOLD : "No notification was needed.",
            ),
          ),
    ),
  );
}

/** One alert of a case: its priority and reason, the answers behind it, when they were given. */
export function reasonItem(alert) {
  return h(
    "li",
    { class: `reason p-${alert.priority}`, "data-alert": alert.id, "data-status": alert.status },
    h(
      "p",
      { class: "reason-line" },
      h(
        "span",
        { class: `pri pri-${alert.priority}` },
        PRIORITY_WORDS[alert.priority] || alert.priority,
      ),
      " ",
      alert.reason,
    ),
    answerLines(alert),
    alert.unfinished
      ? h(
          "p",
          { class: "flag unfinished" },
          "Check-in not finished: sent at the safety answer, then left. " +
            "The answers given are in the patient's check-ins.",
        )
      : null,
    alert.asq_result
      ? h(
          "p",
          { class: "asq-result", "data-asq": alert.asq_result },
          ASQ_RESULT_WORDS[alert.asq_result],
        )
      : null,
    answeredLine(alert),
    h(
      "p",
      { class: "meta raised" },
      `Raised ${relative(alert.created_at)} (${when(alert.created_at)})`,
      alert.escalation_level ? ` · escalated to level ${alert.escalation_level}` : "",
    ),
    alert.repeats
      ? h(
          "p",
          { class: "meta repeats" },
          `Answered again ${alert.repeats} time${alert.repeats === 1 ? "" : "s"} while open, latest ${relative(alert.latest_answered_at)}`,
        )
      : null,
  );
}
