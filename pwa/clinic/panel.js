// The panel: every patient, most in need of attention first, with filters, search and paging.

import { request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import {
  STATUS_WORDS,
  changeWords,
  day,
  errorText,
  relative,
  severityChip,
  sparkline,
} from "./format.js";
import { flagLines, trendChangeWords } from "./risk_flags.js";

const MAX = { phq9: 27, gad7: 21 };
const SORT_CAPTIONS = {
  risk: "Patients, most in need of attention first",
  name: "Patients by name",
  last_checkin: "Patients by latest check-in",
};
const state = {
  sort: "risk",
  status: "",
  overdue: false,
  has_open_alerts: false,
  include_discharged: false,
  q: "",
};

function query(cursor) {
  const params = new URLSearchParams({ sort: state.sort, limit: "50" });
  if (state.status) params.set("status", state.status);
  if (state.overdue) params.set("overdue", "true");
  if (state.has_open_alerts) params.set("has_open_alerts", "true");
  if (state.include_discharged) params.set("include_discharged", "true");
  if (cursor) params.set("cursor", cursor);
  return params;
}

async function fetchPage(cursor) {
  if (state.q) {
    // Names go in the body, never in a URL.
    const body = Object.fromEntries(query(cursor));
    for (const key of ["overdue", "has_open_alerts", "include_discharged"]) {
      if (key in body) body[key] = true;
    }
    body.limit = 50;
    body.q = state.q;
    return (await request("POST", "/api/v1/patients/search", body)).body;
  }
  return (await request("GET", `/api/v1/patients?${query(cursor)}`)).body;
}

function scoreCell(row, code, name) {
  const score = row.instruments[code];
  if (!score) return h("td", {}, h("span", { class: "ref" }, "—"));
  const flag =
    code === "phq9" && score.safety_endorsed
      ? h("span", { class: "flag" }, " Item 9 endorsed")
      : null;
  const retake = score.retake
    ? h("span", { class: "flag retake" }, " Retaken within a day: not a change")
    : null;
  return h(
    "td",
    {},
    severityChip(score),
    sparkline(score.spark, MAX[code] || 27, name),
    flag,
    retake,
  );
}

function rowOf(row) {
  const phq = row.instruments.phq9;
  const relapse = (row.risk_flags || []).some((f) => f.kind === "relapse");
  const status = relapse ? "worsening" : row.trend_status;
  const trend = status ? STATUS_WORDS[status] : "";
  const change = phq ? trendChangeWords("phq9", phq, row.risk_flags, changeWords) : "";
  return h(
    "tr",
    { "data-patient": row.id },
    h(
      "th",
      { scope: "row" },
      h("a", { href: `/clinic/patients/${row.id}` }, row.display_name),
      h("span", { class: "ref" }, row.ref, row.status === "discharged" ? " · discharged" : ""),
    ),
    h(
      "td",
      {},
      h("span", { class: `risk risk-${row.risk.tier}` }, row.risk.label || "—"),
      flagLines(row.risk_flags),
    ),
    scoreCell(row, "phq9", "PHQ-9"),
    scoreCell(row, "gad7", "GAD-7"),
    h("td", {}, trend, change ? h("span", { class: "ref" }, change) : null),
    h("td", {}, relative(row.last_checkin_at)),
    h(
      "td",
      {},
      row.next_due_at ? day(row.next_due_at) : "—",
      row.overdue ? h("span", { class: "flag" }, " Overdue") : null,
    ),
  );
}

function filtersForm(reload) {
  const search = h("input", { id: "q", type: "search", value: state.q, autocomplete: "off" });
  const sort = h(
    "select",
    { id: "sort" },
    h("option", { value: "risk", selected: state.sort === "risk" }, "Needs attention"),
    h("option", { value: "name", selected: state.sort === "name" }, "Name"),
    h(
      "option",
      { value: "last_checkin", selected: state.sort === "last_checkin" },
      "Latest check-in",
    ),
  );
  const status = h(
    "select",
    { id: "status" },
    h("option", { value: "" }, "Any"),
    Object.entries(STATUS_WORDS).map(([value, words]) =>
      h("option", { value, selected: state.status === value }, words),
    ),
  );
  const check = (name, words) => {
    const box = h("input", { type: "checkbox", id: name, checked: state[name] });
    box.addEventListener("change", () => {
      state[name] = box.checked;
      reload();
    });
    return h("label", { class: "check", for: name }, box, words);
  };
  sort.addEventListener("change", () => {
    state.sort = sort.value;
    reload();
  });
  status.addEventListener("change", () => {
    state.status = status.value;
    reload();
  });
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Find and filter patients" },
    h("div", { class: "field" }, h("label", { for: "q" }, "Search by name or ref"), search),
    h("button", { type: "submit", class: "secondary" }, "Search"),
    h("div", { class: "field" }, h("label", { for: "sort" }, "Sort by"), sort),
    h("div", { class: "field" }, h("label", { for: "status" }, "Trend"), status),
    check("overdue", "Overdue only"),
    check("has_open_alerts", "With open alerts"),
    check("include_discharged", "Include discharged"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = search.value.trim();
    reload();
  });
  return form;
}

/** Draw the panel into `main`; it refreshes itself when the alert poll sees new alerts. */
export async function renderPanel(main) {
  const body = h("tbody", { id: "panel-rows" });
  const caption = h("caption", {});
  const more = h(
    "button",
    { type: "button", class: "secondary", hidden: true },
    "Show more patients",
  );
  const message = h("p", { role: "status", class: "meta" });
  let cursor = null;

  async function load(append) {
    try {
      const page = await fetchPage(append ? cursor : null);
      if (!append) body.replaceChildren();
      body.append(...page.items.map(rowOf));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      caption.textContent = SORT_CAPTIONS[state.sort] + (state.q ? ", matching the search" : "");
      message.textContent = body.children.length ? "" : "No patient matches these filters.";
    } catch (error) {
      message.textContent = errorText(error);
    }
  }
  more.addEventListener("click", () => load(true));

  const table = h(
    "table",
    { id: "panel" },
    caption,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        [
          "Patient",
          "Needs attention",
          "PHQ-9 (latest, recent)",
          "GAD-7 (latest, recent)",
          "Trend",
          "Last check-in",
          "Next due",
        ].map((title) => h("th", { scope: "col" }, title)),
      ),
    ),
    body,
  );
  show(
    main,
    "Patients",
    h("h1", {}, "Patients"),
    filtersForm(() => load(false)),
    h("div", { class: "table-wrap" }, table),
    message,
    more,
  );
  main.dataset.view = "panel";
  await load(false);

  const refresh = () => {
    if (main.dataset.view === "panel" && main.contains(table)) load(false);
    else document.removeEventListener("waypoint:new-alerts", refresh);
  };
  document.addEventListener("waypoint:new-alerts", refresh);
}
