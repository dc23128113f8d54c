// The alert inbox: the clinic's alerts by priority and waiting time, a page at a time, with
// how many there are in all and open by priority; acknowledge with a note.

import { request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { alertCard } from "./alert_card.js";
import { PRIORITY_WORDS, errorText } from "./format.js";

const STATUS_WORDS = { open: "Open", acknowledged: "Acknowledged", resolved: "Resolved" };
const state = { status: "open", priority: "" };
/** Alerts per page: the server answers at most 200, and says how many there are in all. */
const PAGE = 50;

/** The clinic's open alerts by priority, in words: "2 imminent risk, 5 urgent, 0 high, 1 routine open". */
function openCounts(open) {
  return `${Object.entries(PRIORITY_WORDS)
    .map(([key, words]) => `${open[key] || 0} ${words.toLowerCase()}`)
    .join(", ")} open`;
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
      const { body } = await request("GET", `/api/v1/alerts?${params}`);
      const cards = body.items.map((alert) => alertCard(alert, { changed: () => load() }));
      if (next) list.append(...cards);
      else list.replaceChildren(...cards);
      shown = (next ? shown : 0) + body.items.length;
      cursor = body.next_cursor;
      more.hidden = !cursor;
      const words = STATUS_WORDS[state.status].toLowerCase();
      message.textContent = body.total
        ? `Showing ${shown} of ${body.total} ${words}`
        : "No alerts here.";
      counts.textContent = openCounts(body.open);
    } catch (error) {
      message.textContent = errorText(error);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", () => load(true));

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
}

/** One alert (the page a notification links to), with the way to the whole inbox. */
export async function renderAlert(main, alertId) {
  const back = h("p", {}, h("a", { href: "/clinic/alerts" }, "All alerts"));
  let alert;
  try {
    ({ body: alert } = await request("GET", `/api/v1/alerts/${alertId}`));
  } catch (error) {
    if (!error.status || error.status !== 404) throw error;
    show(main, "Alert", h("h1", {}, "Alert"), h("p", {}, "No such alert in your clinic."), back);
    return;
  }
  const list = h("ul", { class: "plain", id: "alert-list" });
  const reload = () => renderAlert(main, alertId);
  list.append(alertCard(alert, { changed: reload }));
  show(main, "Alert", h("h1", {}, "Alert"), list, back);
  main.dataset.view = "alert";
}
