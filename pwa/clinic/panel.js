// The panel: every patient, most in need of attention first, with filters, search and paging.

import { request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import {
  MODALITY_WORDS,
  STATUS_WORDS,
  changeWords,
  day,
  errorText,
  measurableWords,
  relative,
  severityChip,
  sparkline,
  statusWords,
} from "./format.js";
import { flagLines, trendChangeWords } from "./risk_flags.js";
import { PHASE_WORDS } from "./trend_chart.js";

const MAX = { phq9: 27, gad7: 21 };
const SORT_CAPTIONS = {
  risk: "Patients, most in need of attention first",
  name: "Patients by name",
  last_checkin: "Patients by latest check-in",
  booster_due: "Patients by booster likely due, soonest first (a forecast, not an instruction)",
};
/** What "Needs attention" sorts by, in the words of the tiers the API labels rows with. */
export const LEGEND =
  "Order: urgent alert · high-priority alert · positive safety screen · worsening · " +
  "check-in overdue · not on track or check-ins missed · no open signal; " +
  "then the most severe latest score.";
const HEADINGS = [
  "Patient",
  "Needs attention",
  "Treatment",
  "PHQ-9 (latest, recent)",
  "GAD-7 (latest, recent)",
  "Trend",
  "Last check-in",
  "Next due",
  "Follow-up",
];
/** "Booster likely due within a week": the forecast's day falls within this many days. */
const BOOSTER_SOON_DAYS = 7;
const CONTACT_WORDS = { reached: "Reached", tried: "No answer", left_message: "Left a message" };
const state = {
  sort: "risk",
  status: "",
  overdue: false,
  has_open_alerts: false,
  booster_soon: false,
  include_discharged: false,
  q: "",
};

function query(cursor) {
  const params = new URLSearchParams({ sort: state.sort, limit: "50" });
  if (state.status) params.set("status", state.status);
  if (state.overdue) params.set("overdue", "true");
  if (state.has_open_alerts) params.set("has_open_alerts", "true");
  if (state.booster_soon) params.set("booster_due_within_days", String(BOOSTER_SOON_DAYS));
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

/** "2 min", "3 h", "4 d": how long something has been waiting. */
export function waited(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60000));
  if (minutes < 1) return "under a minute";
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}

/** "due in 2 days", "due in 5 hours", "3 days overdue" (whole days once past a day). */
export function dueWords(iso, now = Date.now()) {
  const minutes = Math.round((new Date(iso).getTime() - now) / 60000);
  if (minutes >= 0) return minutes < 1 ? "due now" : `due ${relative(iso, now)}`;
  const late = -minutes;
  const [value, unit] =
    late < 60
      ? [late, "minute"]
      : late < 1440
        ? [Math.floor(late / 60), "hour"]
        : [Math.floor(late / 1440), "day"];
  return `${value} ${unit}${value === 1 ? "" : "s"} overdue`;
}

function sinceWords(days) {
  if (days === 0) return "last session today";
  return `last session ${days} day${days === 1 ? "" : "s"} ago`;
}

/** The cell's column heading, shown beside its value when rows become cards (narrow screens). */
function cell(n, attributes, ...children) {
  return h(
    n === 0 ? "th" : "td",
    attributes,
    h("span", { class: "cell-label", "aria-hidden": "true" }, HEADINGS[n]),
    ...children,
  );
}

function treatmentCell(treatment, booster) {
  if (!treatment) return cell(2, {}, h("span", { class: "ref" }, "No session recorded"));
  const modality = MODALITY_WORDS[treatment.modality] || treatment.modality;
  return cell(
    2,
    { class: "treatment" },
    h("span", { class: "course" }, treatment.course_label),
    h("span", {}, `Session ${treatment.session_number} · ${modality}`),
    h("span", { class: "ref" }, sinceWords(treatment.days_since_last_session)),
    treatment.next_session_due_on
      ? h(
          "span",
          { class: treatment.next_session_overdue_days ? "flag next-session" : "next-session" },
          `${PHASE_WORDS[treatment.phase]}: next ${dueDay(treatment)}`,
        )
      : null,
    boosterLine(booster),
  );
}

/** The booster forecast's words (docs/clinical.md, "Booster forecast"): decision support. */
function boosterLine(booster) {
  if (!booster) return null;
  return h(
    "span",
    { class: "booster", title: "A forecast from this course's own intervals, not an instruction" },
    booster.words,
  );
}

/** "due 16 Mar" or "due 16 Mar, 3 d overdue". */
function dueDay(treatment) {
  const late = treatment.next_session_overdue_days;
  return `due ${day(treatment.next_session_due_on)}${late ? `, ${late} d overdue` : ""}`;
}

/** The last contact logged on a case and the next one planned: "Reached 2 hours ago". */
function followUpCell(followUp) {
  if (!followUp) return cell(8, {}, h("span", { class: "ref" }, "—"));
  return cell(
    8,
    { class: "follow-up" },
    followUp.last_contact_at
      ? h(
          "span",
          {},
          `${CONTACT_WORDS[followUp.last_contact_result]} ${relative(followUp.last_contact_at)}`,
        )
      : null,
    followUp.next_contact_on
      ? h(
          "span",
          { class: followUp.next_contact_overdue ? "flag" : "ref" },
          `Next contact ${day(followUp.next_contact_on)}`,
          followUp.next_contact_overdue ? " (overdue)" : "",
        )
      : null,
  );
}

function scoreCell(row, code, name, n) {
  const score = row.instruments[code];
  if (!score) return cell(n, {}, h("span", { class: "ref" }, "—"));
  const flag =
    code === "phq9" && score.safety_endorsed
      ? h("span", { class: "flag" }, " Item 9 endorsed")
      : null;
  const retake = score.retake
    ? h("span", { class: "flag retake" }, " Retaken within a day: not a change")
    : null;
  return cell(
    n,
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
  const trend = statusWords(row.trend_status, relapse);
  const unmeasurable = measurableWords(phq);
  const change = phq ? trendChangeWords("phq9", phq, row.risk_flags, changeWords) : "";
  const waiting = row.oldest_open_alert_at
    ? h("span", { class: "waiting" }, `waiting ${waited(row.oldest_open_alert_at)}`)
    : null;
  return h(
    "tr",
    { "data-patient": row.id },
    cell(
      0,
      { scope: "row" },
      h("a", { href: `/clinic/patients/${row.id}` }, row.display_name),
      h("span", { class: "ref" }, row.ref, row.status === "discharged" ? " · discharged" : ""),
    ),
    cell(
      1,
      {},
      h("span", { class: `risk risk-${row.risk.tier}` }, row.risk.label),
      waiting,
      flagLines(row.risk_flags),
    ),
    treatmentCell(row.treatment, row.booster),
    scoreCell(row, "phq9", "PHQ-9", 3),
    scoreCell(row, "gad7", "GAD-7", 4),
    cell(
      5,
      {},
      trend || "—",
      change ? h("span", { class: "ref" }, change) : null,
      unmeasurable ? h("span", { class: "ref" }, unmeasurable) : null,
    ),
    cell(6, {}, relative(row.last_checkin_at)),
    cell(
      7,
      {},
      row.next_due_at
        ? h("span", { class: row.overdue ? "flag" : "" }, dueWords(row.next_due_at))
        : "—",
      row.next_due_at ? h("span", { class: "ref" }, day(row.next_due_at)) : null,
    ),
    followUpCell(row.follow_up),
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
    h(
      "option",
      { value: "booster_due", selected: state.sort === "booster_due" },
      "Booster likely due",
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
    check("booster_soon", `Booster likely due within ${BOOSTER_SOON_DAYS} days`),
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
    { id: "panel", class: "panel-table", "aria-describedby": "panel-legend" },
    caption,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        HEADINGS.map((title) => h("th", { scope: "col" }, title)),
      ),
    ),
    body,
  );
  show(
    main,
    "Patients",
    h("h1", {}, "Patients"),
    filtersForm(() => load(false)),
    h("p", { id: "panel-legend", class: "legend" }, LEGEND),
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
