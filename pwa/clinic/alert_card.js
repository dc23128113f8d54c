// One alert as a card: priority in words and colour, patient, reason, the answer that raised
// it (in the instrument's words) and when it was given, age, deliveries, acknowledge-with-note
// and resolve, and its timeline and per-channel deliveries on demand.

import { request } from "/pwa/js/api.js";
import { announce, h } from "/pwa/js/dom.js";
import { ASQ_RESULT_WORDS, PRIORITY_WORDS, errorText, relative, when } from "./format.js";

const KIND_WORDS = {
  created: "Raised",
  repeated: "Answered again",
  delivered: "Notification sent",
  escalated: "Escalated",
  acknowledged: "Acknowledged",
  resolved: "Resolved",
};

function deliverySummary(counts) {
  if (!counts) return "";
  return `Notifications: ${counts.sent} sent, ${counts.pending} pending, ${counts.failed} failed`;
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

async function fillDetails(container, alertId) {
  container.replaceChildren(h("p", { class: "meta" }, "Loading…"));
  try {
    const { body } = await request("GET", `/api/v1/alerts/${alertId}`);
    const timeline = h(
      "ol",
      { class: "timeline" },
      body.timeline.map((event) =>
        h(
          "li",
          {},
          `${when(event.at)}: ${KIND_WORDS[event.kind] || event.kind}`,
          event.actor ? ` by ${event.actor.name}` : "",
          repeatedLevel(event),
          answeredNote(event),
        ),
      ),
    );
    const deliveries = h(
      "table",
      {},
      h("caption", {}, "Deliveries by channel"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Channel", "Recipient", "Round", "Status", "Attempts", "Sent", "Last error"].map((t) =>
            h("th", { scope: "col" }, t),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        body.delivery_list.length
          ? body.delivery_list.map((d) =>
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
          : h("tr", {}, h("td", { colspan: "7" }, "No notification was needed.")),
      ),
    );
    container.replaceChildren(
      h("h4", {}, "Timeline"),
      timeline,
      h("div", { class: "table-wrap" }, deliveries),
    );
  } catch (error) {
    container.replaceChildren(h("p", { class: "error" }, errorText(error)));
  }
}

/** A card for `alert`; `changed()` runs after an acknowledge or resolve succeeded. */
export function alertCard(alert, { showPatient = true, changed = () => {} } = {}) {
  const error = h("p", { class: "error", role: "alert" });
  const noteId = `note-${alert.id}`;
  const note = h("textarea", { id: noteId, name: "note", maxlength: "2000" });
  const act = async (action, button) => {
    button.disabled = true;
    error.textContent = "";
    try {
      const body = action === "acknowledge" ? { note: note.value.trim() || null } : {};
      await request("POST", `/api/v1/alerts/${alert.id}/${action}`, body);
      announce(action === "acknowledge" ? "Alert acknowledged." : "Alert resolved.");
      changed();
    } catch (failure) {
      error.textContent = errorText(failure);
      button.disabled = false;
    }
  };
  let form = null;
  if (alert.status === "open") {
    const ack = h("button", { type: "submit" }, "Acknowledge");
    form = h(
      "form",
      { class: "ack-form", "aria-label": `Acknowledge alert ${alert.patient.ref}` },
      h("div", { class: "field" }, h("label", { for: noteId }, "Note (optional)"), note),
      ack,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act("acknowledge", ack);
    });
  } else if (alert.status === "acknowledged") {
    const resolve = h("button", { type: "button", class: "secondary" }, "Resolve");
    resolve.addEventListener("click", () => act("resolve", resolve));
    form = h("div", { class: "actions" }, resolve);
  }
  const details = h("details", {}, h("summary", {}, "Timeline and deliveries"));
  const inner = h("div", {});
  details.append(inner);
  details.addEventListener("toggle", () => {
    if (details.open) fillDetails(inner, alert.id);
  });
  const ackLine =
    alert.acknowledged_at &&
    h(
      "p",
      { class: "meta" },
      `Acknowledged ${relative(alert.acknowledged_at)}`,
      alert.acknowledged_by ? ` by ${alert.acknowledged_by.name}` : "",
      alert.ack_note ? `: “${alert.ack_note}”` : "",
    );
  return h(
    "li",
    {
      class: `alert-item p-${alert.priority}`,
      "data-alert": alert.id,
      "data-status": alert.status,
    },
    h(
      "h3",
      {},
      h(
        "span",
        { class: `pri pri-${alert.priority}` },
        PRIORITY_WORDS[alert.priority] || alert.priority,
      ),
      " ",
      showPatient
        ? h("a", { href: `/clinic/patients/${alert.patient.id}` }, alert.patient.display_name)
        : alert.rule.replaceAll("_", " "),
      showPatient ? h("span", { class: "ref" }, alert.patient.ref) : null,
    ),
    h("p", {}, alert.reason),
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
    h("p", { class: "meta" }, deliverySummary(alert.deliveries)),
    ackLine,
    form,
    error,
    details,
  );
}
