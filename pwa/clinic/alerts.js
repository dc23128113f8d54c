// The alert inbox: the clinic's alerts by priority and age; acknowledge with a note.

import { request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { alertCard } from "./alert_card.js";
import { PRIORITY_WORDS, errorText } from "./format.js";

const STATUS_WORDS = { open: "Open", acknowledged: "Acknowledged", resolved: "Resolved" };
const state = { status: "open", priority: "" };

/** Draw the inbox into `main`. */
export async function renderAlerts(main) {
  const list = h("ul", { class: "plain", id: "alert-list", "aria-live": "polite" });
  const message = h("p", { class: "meta", role: "status" });

  async function load() {
    const params = new URLSearchParams({ status: state.status });
    if (state.priority) params.set("priority", state.priority);
    try {
      const { body } = await request("GET", `/api/v1/alerts?${params}`);
      list.replaceChildren(...body.items.map((alert) => alertCard(alert, { changed: load })));
      message.textContent = body.items.length
        ? `${body.items.length} ${STATUS_WORDS[state.status].toLowerCase()}`
        : "No alerts here.";
    } catch (error) {
      message.textContent = errorText(error);
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
    message,
    list,
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
