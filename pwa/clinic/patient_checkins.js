// The patient's check-ins, newest first, each with every question and answer.

import { h } from "/pwa/js/dom.js";
import { when } from "./format.js";

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
          `${when(c.completed_at)} · ${c.instrument_title}`,
          c.total !== null ? " · " : "",
          c.total !== null
            ? h("span", { class: `sev sev-${c.severity}` }, `${c.total} · ${c.severity_label}`)
            : "",
          c.safety_endorsed ? h("span", { class: "flag" }, " · Item 9 endorsed") : "",
        ),
        h(
          "table",
          { class: "answers" },
          h("caption", { class: "visually-hidden" }, `Answers of ${when(c.completed_at)}`),
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
