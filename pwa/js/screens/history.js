// History: the patient's own scores over time, as a chart with severity bands and as words.

import { drawHistory } from "../chart.js";
import * as data from "../data.js";
import { h, show } from "../dom.js";
import { t } from "../i18n.js";
import { directionWords, formatDay, formatShort, instrumentName, scoreWords } from "../words.js";

function describe(definition, rows) {
  const first = rows[0];
  const last = rows[rows.length - 1];
  const score = (row) => scoreWords(definition, row.total, row.severity_label);
  return rows.length === 1
    ? t("history.one", { score: score(last) })
    : t("history.many", { count: rows.length, first: score(first), last: score(last) });
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
      h("figcaption", {}, `${describe(definition, rows)} ${directionWords(definition)}`),
    ),
    h("h3", {}, t("history.each")),
    h(
      "ol",
      { class: "history-list", reversed: true },
      [...rows]
        .reverse()
        .map((row) =>
          h(
            "li",
            {},
            h("span", { class: "when" }, formatDay(row.completed_at)),
            h("span", {}, scoreWords(definition, row.total, row.severity_label)),
          ),
        ),
    ),
  );
  const points = rows.map((row) => ({
    x: formatShort(row.completed_at),
    y: row.total,
    band: row.severity_label || "",
  }));
  return { section, draw: () => drawHistory(canvas, definition, points) };
}

/** A definition for the history's words and bands: this phone's copy first. */
async function definitionFor(code) {
  try {
    return await data.definition(code);
  } catch {
    return null;
  }
}

/**
 * Draw the history from `items`; `note` says when they may not be the newest. Resolves false
 * when the patient has left the screen meanwhile (nothing is drawn then).
 */
async function draw(app, items, note) {
  const scored = items.filter((c) => c.total !== null && c.total !== undefined);
  const codes = [...new Set(scored.map((c) => c.instrument))];
  const sections = [];
  for (const code of codes) {
    const definition = await definitionFor(code);
    if (!definition) continue;
    const rows = scored.filter((c) => c.instrument === code).reverse();
    sections.push(instrumentSection(definition, rows));
  }
  if (location.hash !== "#/history") return false;
  show(
    app.main,
    t("history.title"),
    h("h1", {}, t("history.heading")),
    sections.length
      ? h("p", { class: "lead" }, t("history.lead"))
      : h("p", { class: "lead" }, t("history.empty")),
    note ? h("p", { class: "hint" }, note) : null,
    sections.map((s) => s.section),
    h("a", { class: "button secondary", href: "#/" }, t("checkin.backHome")),
  );
  await Promise.all(sections.map((s) => s.draw()));
  return true;
}

/**
 * The history screen: what this phone last had from the server at once, then the server's
 * newest (drawn again only when it differs).
 */
export async function historyScreen(app) {
  const cached = await data.cachedHistory();
  if (cached && !(await draw(app, cached, null))) return;
  let items;
  try {
    items = await data.history();
  } catch {
    if (cached) {
      await draw(app, cached, t("history.newestLater"));
      return;
    }
    if (location.hash !== "#/history") return;
    show(
      app.main,
      t("history.title"),
      h("h1", {}, t("history.heading")),
      h("p", {}, t("history.needsInternet")),
      h("a", { class: "button secondary", href: "#/" }, t("checkin.backHome")),
    );
    return;
  }
  if (!cached || JSON.stringify(items) !== JSON.stringify(cached)) await draw(app, items, null);
}
