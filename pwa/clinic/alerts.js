// The alert inbox: the clinic's cases (a patient's alerts of one episode, dealt with as one)
// by priority and waiting time, a page at a time, with how many there are in all and open by
// priority; acknowledge, log calls and resolve on each card.

import { request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { caseCard } from "./case_card.js";
import { PRIORITY_WORDS, errorText } from "./format.js";

// "Not resolved" first and by default: an acknowledged case still needs its call and its
// outcome, and stays in the list a nurse opens first.
const STATUS_WORDS = {
  unresolved: "Not resolved",
  open: "Open: waiting for someone",
  acknowledged: "Acknowledged: awaiting an outcome",
  resolved: "Resolved",
};
/** "1 open case", "2 cases not resolved" ... for "Showing n of N ...". */
const CASE_WORDS = {
  unresolved: (n) => `case${n === 1 ? "" : "s"} not resolved`,
  open: (n) => `open case${n === 1 ? "" : "s"}`,
  acknowledged: (n) => `acknowledged case${n === 1 ? "" : "s"} awaiting an outcome`,
  resolved: (n) => `resolved case${n === 1 ? "" : "s"}`,
};
const state = { status: "unresolved", priority: "" };
/** Alerts per page: the server answers at most 200, and says how many there are in all. */
const PAGE = 50;

/** The clinic's cases in words: "2 imminent risk, 5 urgent, 0 high, 1 routine open; 1 acknowledged, awaiting an outcome". */
function openCounts(open, awaiting) {
  const waiting = `${Object.entries(PRIORITY_WORDS)
    .map(([key, words]) => `${open[key] || 0} ${words.toLowerCase()}`)
    .join(", ")} open`;
  return `${waiting}; ${awaiting || 0} acknowledged, awaiting an outcome`;
}

/** Draw the inbox into `main`: a page at a time ("Load more"), never silently cut short. */
export async function renderAlerts(main) {
  const list = h("ul", { class: "plain", id: "alert-list", "aria-live": "polite" });
  const message = h("p", { class: "meta", role: "status", id: "alert-summary" });
  const counts = h("p", { class: "meta", id: "alert-counts" });
  const more = h(
    "button",
    { type: "button", class: "secondary", id: "alert-more", hidden: true },
    "Load more",
  );
  let cursor = null;
  let shown = 0;

  async function load(next = false) {
    const params = new URLSearchParams({ status: state.status, limit: String(PAGE) });
    if (state.priority) params.set("priority", state.priority);
    if (next && cursor) params.set("cursor", cursor);
    more.disabled = true;
    try {
      const { body } = await request("GET", `/api/v1/cases?${params}`);
      const cards = body.items.map((kase) => caseCard(kase, { changed: () => load() }));
      if (next) list.append(...cards);
      else list.replaceChildren(...cards);
      shown = (next ? shown : 0) + body.items.length;
      cursor = body.next_cursor;
      more.hidden = !cursor;
      message.textContent = body.total
        ? `Showing ${shown} of ${body.total} ${CASE_WORDS[state.status](body.total)}`
        : "No cases here.";
      counts.textContent = openCounts(body.open, body.awaiting_outcome);
    } catch (error) {
      message.textContent = errorText(error);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", () => load(true));
  /** The counts line alone, after a case changed on a card: the cards stay where they are. */
  async function recount() {
    try {
      const params = new URLSearchParams({ status: state.status, limit: "1" });
      const { body } = await request("GET", `/api/v1/cases?${params}`);
      counts.textContent = openCounts(body.open, body.awaiting_outcome);
    } catch {
      // The counts stay as they were; the next load says them again.
    }
  }

  const status = h(
    "select",
    { id: "alert-status" },
    Object.entries(STATUS_WORDS).map(([value, words]) =>
      h("option", { value, selected: state.status === value }, words),
    ),
  );
  const priority = h(
    "select",
    { id: "alert-priority" },
    h("option", { value: "" }, "Any"),
    Object.entries(PRIORITY_WORDS).map(([value, words]) =>
      h("option", { value, selected: state.priority === value }, words),
    ),
  );
  status.addEventListener("change", () => {
    state.status = status.value;
    load();
  });
  priority.addEventListener("change", () => {
    state.priority = priority.value;
    load();
  });
  show(
    main,
    "Alerts",
    h("h1", {}, "Alerts"),
    h(
      "form",
      { class: "filters", "aria-label": "Filter alerts" },
      h("div", { class: "field" }, h("label", { for: "alert-status" }, "Status"), status),
      h("div", { class: "field" }, h("label", { for: "alert-priority" }, "Priority"), priority),
    ),
    counts,
    message,
    list,
    more,
  );
  main.dataset.view = "alerts";
  await load();
  const refresh = () => {
    if (main.contains(list)) load();
    else document.removeEventListener("waypoint:new-alerts", refresh);
  };
  document.addEventListener("waypoint:new-alerts", refresh);
  const changed = () => {
    if (main.contains(list)) recount();
    else document.removeEventListener("waypoint:case-changed", changed);
  };
  document.addEventListener("waypoint:case-changed", changed);
}

/** One alert (the page a notification links to): the case it is in, with the way to the rest. */
export async function renderAlert(main, alertId) {
  const back = h("p", {}, h("a", { href: "/clinic/alerts" }, "All alerts"));
  let kase;
  try {
    const { body: alert } = await request("GET", `/api/v1/alerts/${alertId}`);
    ({ body: kase } = await request("GET", `/api/v1/cases/${alert.case_id}`));
  } catch (error) {
    if (!error.status || error.status !== 404) throw error;
    show(main, "Alert", h("h1", {}, "Alert"), h("p", {}, "No such alert in your clinic."), back);
    return;
  }
  const list = h("ul", { class: "plain", id: "alert-list" });
  const reload = () => renderAlert(main, alertId);
  list.append(caseCard(kase, { changed: reload }));
  show(main, "Alert", h("h1", {}, "Alert"), list, back);
  main.dataset.view = "alert";
}
