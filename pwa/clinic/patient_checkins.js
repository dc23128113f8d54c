// The patient's check-ins, newest first, each with every question and answer.

import { h } from "/pwa/js/dom.js";
import { ASQ_RESULT_WORDS, when } from "./format.js";

/**
 * What a check-in's safety answer was, in words: item 9 with its answer in the PHQ-9's own
 * words ("Item 9: Nearly every day"), and the ASQ's result (its own, or of the ASQ that
 * followed item 9, or that it was not answered in time).
 */
function safetyWords(c) {
  const asq = c.asq_result && c.asq_result !== "pending" ? ASQ_RESULT_WORDS[c.asq_result] : null;
  if (c.instrument === "phq9" && c.safety_endorsed) {
    const item9 = c.answers.find((a) => a.link_id === "phq9_9");
    const words = item9 && item9.label ? `Item 9: ${item9.label}` : "Item 9 endorsed";
    return asq ? `${words} · ${asq}` : words;
  }
  if (asq) return asq;
  return c.safety_endorsed ? "Safety answer given" : null;
}

/** When the safety answer left the phone, and what it was if changed before finishing. */
function signalNote(c) {
  if (!c.signal) return null;
  const changed = c.signal.changed_answers;
  return h(
    "p",
    { class: changed ? "signal-note flag" : "signal-note" },
    `Safety answer sent ${when(c.signal.answered_at)}, before the check-in was finished.`,
    changed
      ? ` Changed before finishing; sent then: ${changed.map((a) => `${a.text} ${a.label ?? a.value}`).join("; ")}.`
      : "",
  );
}

/** The check-ins card. */
export function checkinsCard(items) {
  const entries = items.map((c) =>
    h(
      "li",
      {},
      h(
        "details",
        {},
        h(
          "summary",
          {},
          `${when(c.completed_at || c.answered_at)} · ${c.instrument_title}`,
          c.status === "unfinished"
            ? h(
                "span",
                { class: "flag unfinished" },
                " · Unfinished: answers given before it was left",
              )
            : "",
          c.total !== null ? " · " : "",
          c.total !== null
            ? h(
                "span",
                { class: `sev sev-${c.severity}` },
                c.severity_label ? `${c.total} · ${c.severity_label}` : `${c.total}`,
              )
            : "",
          safetyWords(c) ? h("span", { class: "flag" }, ` · ${safetyWords(c)}`) : "",
          c.signal && c.signal.changed_answers
            ? h("span", { class: "flag" }, " · Safety answer changed before finishing")
            : "",
        ),
        signalNote(c),
        h(
          "table",
          { class: "answers" },
          h(
            "caption",
            { class: "visually-hidden" },
            `Answers of ${when(c.completed_at || c.answered_at)}`,
          ),
          h(
            "thead",
            {},
            h("tr", {}, h("th", { scope: "col" }, "Question"), h("th", { scope: "col" }, "Answer")),
          ),
          h(
            "tbody",
            {},
            c.answers.map((a) =>
              h(
                "tr",
                {},
                h("td", {}, a.text),
                h("td", {}, a.label === null ? String(a.value) : `${a.label} (${a.value})`),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "checkins-heading" },
    h("h2", { id: "checkins-heading" }, "Check-ins"),
    items.length
      ? h("ul", { class: "plain", id: "checkins" }, entries)
      : h("p", {}, "No check-in yet."),
  );
}
