// The patient's reminders, for the patient page: the channels they chose (in their order,
// among those the clinic offers), whether an address and a number are on file (never the
// address or number itself: the API does not send them), and the latest reminders with their
// state.

import { h } from "/pwa/js/dom.js";
import { REMINDER_CHANNEL_WORDS, when } from "./format.js";

const channelWords = (channel) => REMINDER_CHANNEL_WORDS[channel] || channel;

function stateWords(delivery) {
  if (delivery.status === "sent") return `Sent ${when(delivery.sent_at)}`;
  if (delivery.status === "pending") {
    return delivery.attempts
      ? `Pending: retrying after ${delivery.attempts} attempt${delivery.attempts === 1 ? "" : "s"}`
      : "Pending";
  }
  const reason = delivery.last_error ? `: ${delivery.last_error}` : "";
  return `Failed${reason}`;
}

function deliveriesTable(deliveries) {
  if (!deliveries.length) return h("p", { id: "no-reminders" }, "No reminder sent yet.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "reminder-deliveries" },
      h("caption", {}, `Latest reminders (${deliveries.length})`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Queued"),
          h("th", { scope: "col" }, "Channel"),
          h("th", { scope: "col" }, "State"),
        ),
      ),
      h(
        "tbody",
        {},
        deliveries.map((d) =>
          h(
            "tr",
            { "data-status": d.status },
            h("td", {}, when(d.created_at)),
            h("td", {}, channelWords(d.channel)),
            h("td", { class: d.status === "failed" ? "flag" : "" }, stateWords(d)),
          ),
        ),
      ),
    ),
  );
}

/** The reminders card: `reminders` is GET /api/v1/patients/{id}/reminders. */
/** What a chosen channel lacks to reach the patient, in words, or null if it can. */
function unreachable(channel, reminders) {
  if (channel === "email" && !reminders.email_set) return "no email address on file";
  if (channel === "sms" && !reminders.phone_set) return "no mobile number on file";
  if (channel === "webpush" && !reminders.push_subscribed)
    return "no phone has allowed notifications";
  return null;
}

export function remindersCard(reminders) {
  // A channel that cannot reach the patient says so where it is named: a walk found
  // "App notification, then Email" beside "Email address on file: No".
  const chosen = reminders.channels.length
    ? reminders.channels
        .map((channel) => {
          const lack = unreachable(channel, reminders);
          return lack ? `${channelWords(channel)} (cannot reach: ${lack})` : channelWords(channel);
        })
        .join(", then ")
    : "None: no reminder is sent.";
  return h(
    "section",
    { class: "card", "aria-labelledby": "reminders-heading", id: "patient-reminders" },
    h("h2", { id: "reminders-heading" }, "Reminders"),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Channels, in the patient's order"),
      h("dd", { id: "reminder-channels" }, chosen),
      h("dt", {}, "Email address on file"),
      h("dd", {}, reminders.email_set ? "Yes" : "No"),
      h("dt", {}, "Mobile number on file"),
      h("dd", {}, reminders.phone_set ? "Yes" : "No"),
    ),
    deliveriesTable(reminders.deliveries),
  );
}
