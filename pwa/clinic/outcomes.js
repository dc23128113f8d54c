// The outcomes report: response and remission rates of the clinic's treatment courses per
// questionnaire and route (at the latest check-in and at 4 and 8 weeks, each with its window),
// the courses not measurable for response, and check-in completion; aggregate counts, no
// patient rows. Read from the same CSV the download gives, definitions included, so the screen
// and the file never disagree.

import { ApiError } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { INSTRUMENT_WORDS, MODALITY_WORDS } from "./format.js";

const REPORT = "/api/v1/reports/outcomes.csv";

/** Rows of an RFC 4180 CSV (quoted cells may hold commas, quotes and line breaks). */
export function parseCsv(text) {
  const records = [];
  let record = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i += 1;
      record.push(cell);
      records.push(record);
      record = [];
      cell = "";
    } else cell += c;
  }
  if (cell || record.length) records.push([...record, cell]);
  const [names, ...lines] = records;
  return lines.map((line) => Object.fromEntries(line.map((v, i) => [names[i], v])));
}

/** The measures of the table, with their column headings. */
const MEASURES = [
  ["not_measurable", "Not measurable"],
  ["response", "Response (latest)"],
  ["remission", "Remission (latest)"],
  ["response_4w", "Response at 4 weeks"],
  ["remission_4w", "Remission at 4 weeks"],
  ["response_8w", "Response at 8 weeks"],
  ["remission_8w", "Remission at 8 weeks"],
];

function rate(row) {
  if (!row || !row.denominator || row.denominator === "0") return "—";
  const percent = Math.round(Number(row.rate) * 100);
  return `${percent} % (${row.numerator} of ${row.denominator})`;
}

function instrumentTable(instrument, rows) {
  const mine = rows.filter((r) => r.instrument === instrument && r.baseline === "all");
  const routes = [...new Set(mine.map((r) => r.modality))];
  const find = (measure, modality) =>
    mine.find((r) => r.measure === measure && r.modality === modality);
  const name = INSTRUMENT_WORDS[instrument] || instrument;
  return h(
    "section",
    { class: "card", "aria-labelledby": `out-${instrument}` },
    h("h2", { id: `out-${instrument}` }, name),
    routes.length
      ? h(
          "div",
          // Wider than a narrow window: a region the keyboard can scroll.
          { class: "table-wrap", tabindex: "0", role: "region", "aria-label": `${name} table` },
          h(
            "table",
            { id: `outcomes-${instrument}` },
            h("caption", {}, `${name} by route of the course's sessions`),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Route", "Courses", ...MEASURES.map(([, t]) => t)].map((t) =>
                  h("th", { scope: "col" }, t),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              routes.map((modality) =>
                h(
                  "tr",
                  { class: modality === "all" ? "total" : null },
                  h(
                    "th",
                    { scope: "row" },
                    modality === "all" ? "All routes" : MODALITY_WORDS[modality] || modality,
                  ),
                  h("td", { class: "num" }, find("courses", modality)?.numerator || "0"),
                  MEASURES.map(([measure]) =>
                    h("td", { class: "num" }, rate(find(measure, modality))),
                  ),
                ),
              ),
            ),
          ),
        )
      : h("p", {}, `No course with ${name} check-ins yet.`),
    routes.length ? baselineNote(rows, instrument) : null,
    routes.length ? definitionList(mine, instrument) : null,
  );
}

/** How many courses' baselines came after the first session (no pre-treatment check-in). */
function baselineNote(rows, instrument) {
  const count = (baseline) =>
    rows.find(
      (r) =>
        r.measure === "courses" &&
        r.instrument === instrument &&
        r.modality === "all" &&
        r.baseline === baseline,
    )?.numerator || "0";
  return h(
    "p",
    { class: "meta", id: `baselines-${instrument}` },
    `Baselines: ${count("pre_treatment")} before the first session, ` +
      `${count("after_first_session")} after the first session (no check-in in the 14 days ` +
      "before it; such courses are measured from a post-dose score).",
  );
}

/** Each measure's definition and window, as the report states them. */
function definitionList(mine, instrument) {
  const all = mine.filter((r) => r.modality === "all");
  return h(
    "details",
    {},
    h("summary", {}, "Definitions and windows"),
    h(
      "dl",
      { id: `definitions-${instrument}` },
      all.map((r) => [
        h("dt", {}, r.window_days ? `${r.measure} (days ${r.window_days})` : r.measure),
        h("dd", {}, r.definition),
      ]),
    ),
  );
}

/** The report screen (every clinician: the figures are the clinic's, not a patient's). */
export async function renderOutcomes(main) {
  const response = await fetch(REPORT, {
    credentials: "same-origin",
    headers: { Accept: "text/csv" },
  });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const rows = parseCsv(await response.text());
  const completion = rows.find((r) => r.measure === "checkin_completion");
  const retention = rows.find((r) => r.measure === "induction_completed");
  show(
    main,
    "Outcomes",
    h("p", {}, h("a", { href: "/clinic/admin" }, "← Clinic")),
    h("h1", {}, "Outcomes"),
    h(
      "p",
      {},
      "Response: 50 % or more below the course's baseline. Remission: a total under 5. Both are ",
      "counted only for courses whose baseline is above 9 (NCQA HEDIS DRR-E, CMS159); the others ",
      "are not measurable for response. At 4 and 8 weeks: the last check-in of days 21-35 and ",
      "49-63 after the first session.",
    ),
    h(
      "p",
      { id: "completion" },
      h("strong", {}, "Check-ins completed when due: "),
      rate(completion),
    ),
    retention
      ? h(
          "p",
          { id: "retention", title: retention.definition },
          h("strong", {}, "Induction completed: "),
          rate(retention),
          h("span", { class: "meta" }, ` (${retention.definition})`),
        )
      : null,
    instrumentTable("phq9", rows),
    instrumentTable("gad7", rows),
    h("p", {}, h("a", { href: REPORT, download: "" }, "Download the report (CSV)")),
  );
  main.dataset.view = "outcomes";
}
