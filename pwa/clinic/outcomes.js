// The outcomes report: response and remission rates of the clinic's treatment courses per
// questionnaire and route, and check-in completion; aggregate counts, no patient rows.
// Read from the same CSV the download gives, so the screen and the file never disagree.

import { ApiError } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { INSTRUMENT_WORDS, MODALITY_WORDS } from "./format.js";

const REPORT = "/api/v1/reports/outcomes.csv";

/** Rows of a CSV without quoted commas (the report's cells are codes and numbers). */
export function parseCsv(text) {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const names = header.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i], v])));
}

function rate(row) {
  if (!row || !row.denominator || row.denominator === "0") return "—";
  const percent = Math.round(Number(row.rate) * 100);
  return `${percent} % (${row.numerator} of ${row.denominator})`;
}

function instrumentTable(instrument, rows) {
  const mine = rows.filter((r) => r.instrument === instrument);
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
          { class: "table-wrap" },
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
                ["Route", "Courses", "Response", "Remission"].map((t) =>
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
                  h("td", { class: "num" }, rate(find("response", modality))),
                  h("td", { class: "num" }, rate(find("remission", modality))),
                ),
              ),
            ),
          ),
        )
      : h("p", {}, `No course with ${name} check-ins yet.`),
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
  show(
    main,
    "Outcomes",
    h("p", {}, h("a", { href: "/clinic/admin" }, "← Clinic")),
    h("h1", {}, "Outcomes"),
    h(
      "p",
      {},
      "Response: a fall of 50 % or more from the course's baseline. Remission: a total under 5. ",
      "Counted over courses with a baseline and a later check-in.",
    ),
    h(
      "p",
      { id: "completion" },
      h("strong", {}, "Check-ins completed when due: "),
      rate(completion),
    ),
    instrumentTable("phq9", rows),
    instrumentTable("gad7", rows),
    h("p", {}, h("a", { href: REPORT, download: "" }, "Download the report (CSV)")),
  );
  main.dataset.view = "outcomes";
}
