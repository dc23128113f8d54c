// History: the patient's own scores over time, as a chart with severity bands and as words.

import { drawHistory } from "../chart.js";
import * as data from "../data.js";
import { h, show } from "../dom.js";
import { LOWER_IS_BETTER, formatDay, formatShort, instrumentName, scoreWords } from "../words.js";

function describe(definition, rows) {
  const first = rows[0];
  const last = rows[rows.length - 1];
  const span =
    rows.length === 1
      ? `One check-in so far: ${scoreWords(definition, last.total, last.severity_label)}.`
      : `${rows.length} check-ins. The first was ${scoreWords(definition, first.total, first.severity_label)}; ` +
        `the latest is ${scoreWords(definition, last.total, last.severity_label)}.`;
  return span;
}

function instrumentSection(definition, rows) {
  const id = `history-${definition.code}`;
  const canvas = h("canvas", { role: "img", "aria-label": describe(definition, rows) });
  const section = h(
    "section",
    { class: "card history", "aria-labelledby": id },
    h("h2", { id }, instrumentName(definition)),
    h(
      "figure",
      {},
      h("div", { class: "chart-box" }, canvas),
      h("figcaption", {}, `${describe(definition, rows)} ${LOWER_IS_BETTER}`),
    ),
    h("h3", {}, "Each check-in"),
    h(
      "ol",
      { class: "history-list", reversed: true },
      [...rows].reverse().map((row) =>
        h(
          "li",
          {},
          h("span", { class: "when" }, formatDay(row.completed_at)),
          h("span", {}, scoreWords(definition, row.total, row.severity_label)),
        ),
      ),
    ),
  );
  const points = rows.map((row) => ({ x: formatShort(row.completed_at), y: row.total, band: row.severity_label || "" }));
  return { section, draw: () => drawHistory(canvas, definition, points) };
}

/** The history screen. */
export async function historyScreen(app) {
  let items;
  try {
    items = await data.history();
  } catch {
    show(
      app.main,
      "History",
      h("h1", {}, "How you have been doing"),
      h("p", {}, "Your history needs the internet. Your check-ins are safe on this phone in the meantime."),
      h("a", { class: "button secondary", href: "#/" }, "Back to home"),
    );
    return;
  }
  const scored = items.filter((c) => c.total !== null && c.total !== undefined);
  const codes = [...new Set(scored.map((c) => c.instrument))];
  const sections = [];
  for (const code of codes) {
    const definition = await data.definition(code);
    const rows = scored.filter((c) => c.instrument === code).reverse();
    sections.push(instrumentSection(definition, rows));
  }
  show(
    app.main,
    "History",
    h("h1", {}, "How you have been doing"),
    sections.length
      ? h("p", { class: "lead" }, "Each dot is one check-in. The colored bands show what the numbers mean.")
      : h("p", { class: "lead" }, "Your check-ins will show here after your first one."),
    sections.map((s) => s.section),
    h("a", { class: "button secondary", href: "#/" }, "Back to home"),
  );
  await Promise.all(sections.map((s) => s.draw()));
}
