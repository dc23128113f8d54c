// The clinic's audit log (administrators): who did what, when, to which record, with filters,
// a page at a time, and the filtered log as CSV.

import { request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { clearFieldErrors, showFieldErrors } from "./field_errors.js";
import { when } from "./format.js";

const PAGE = 50;
const OUTCOME_WORDS = { success: "Done", denied: "Refused", failure: "Failed" };
const OBJECT_TYPES = ["patient", "staff", "alert", "checkin", "session", "clinic"];

/** A date input's day as the start of that day here, in ISO (or null). */
function dayStart(value, plusDays = 0) {
  if (!value) return null;
  const [y, m, d] = value.split("-").map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}

function input(id, name, label, attrs = {}) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name, ...attrs }),
  );
}

function select(id, name, label, options) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h(
      "select",
      { id, name },
      h("option", { value: "" }, "Any"),
      options.map(([value, words]) => h("option", { value }, words)),
    ),
  );
}

function detailWords(detail) {
  if (!detail || !Object.keys(detail).length) return "";
  return Object.entries(detail)
    .map(([k, v]) => `${k.replaceAll("_", " ")}: ${typeof v === "object" ? JSON.stringify(v) : v}`)
    .join("; ");
}

/** The audit log screen (admins: the API refuses anyone else, and so does this screen). */
export async function renderAudit(main, staff) {
  if (!staff || staff.role !== "admin") {
    show(
      main,
      "Audit log",
      h("h1", {}, "Audit log"),
      h("p", {}, "Only the clinic's administrators can read the audit log."),
    );
    return;
  }
  const { body: team } = await request("GET", "/api/v1/clinic/staff");
  const names = new Map(team.items.map((m) => [String(m.id), m.name]));
  const summary = h("p", { class: "error", role: "alert", id: "audit-error" });
  const form = h(
    "form",
    { id: "audit-filters", class: "filters", "aria-label": "Filter the audit log" },
    input("audit-since", "since", "From", { type: "date" }),
    input("audit-until", "until", "To (inclusive)", { type: "date" }),
    select(
      "audit-actor",
      "actor_id",
      "Staff member",
      team.items.map((m) => [String(m.id), m.name]),
    ),
    input("audit-action", "action", "Action", {
      maxlength: "60",
      list: "audit-actions",
      placeholder: "patient.read",
    }),
    select(
      "audit-object-type",
      "object_type",
      "Record kind",
      OBJECT_TYPES.map((t) => [t, t]),
    ),
    input("audit-object-id", "object_id", "Record id", { maxlength: "64", spellcheck: "false" }),
    select("audit-outcome", "outcome", "Outcome", Object.entries(OUTCOME_WORDS)),
    h("datalist", { id: "audit-actions" }),
    h("button", { type: "submit" }, "Show"),
  );
  const rows = h("tbody", { id: "audit-rows" });
  const caption = h("caption", {}, "Newest first");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Older events");
  const csv = h(
    "a",
    { id: "audit-csv", download: "", href: "/api/v1/admin/audit.csv" },
    "Download these events (CSV)",
  );
  let before = null;
  let shown = 0;

  function filters() {
    const value = (name) => form.elements[name].value.trim();
    const params = new URLSearchParams();
    const since = dayStart(value("since"));
    const until = dayStart(value("until"), 1);
    if (since) params.set("since", since);
    if (until) params.set("until", until);
    for (const name of ["actor_id", "action", "object_type", "object_id", "outcome"])
      if (value(name)) params.set(name, value(name));
    return params;
  }

  function row(event) {
    const who =
      event.actor_kind === "staff"
        ? names.get(String(event.actor_id)) || `Staff ${event.actor_id}`
        : event.actor_kind === "patient"
          ? "The patient"
          : event.actor_kind;
    const object =
      event.object_type === "patient" && event.object_id
        ? h(
            "a",
            { href: `/clinic/patients/${event.object_id}` },
            `patient ${event.object_id.slice(0, 8)}`,
          )
        : event.object_type
          ? `${event.object_type} ${event.object_id || ""}`.trim()
          : "";
    return h(
      "tr",
      {},
      h("td", {}, when(event.at)),
      h("td", {}, who, event.role ? h("span", { class: "ref" }, event.role) : null),
      h("td", {}, h("code", {}, event.action)),
      h("td", {}, object),
      h("td", {}, OUTCOME_WORDS[event.outcome] || event.outcome),
      h("td", { class: "detail" }, detailWords(event.detail)),
    );
  }

  async function load(fresh) {
    const params = filters();
    if (fresh) {
      before = null;
      shown = 0;
      csv.href = `/api/v1/admin/audit.csv?${params}`;
    }
    params.set("limit", String(PAGE));
    if (before) params.set("before_id", String(before));
    try {
      const { body } = await request("GET", `/api/v1/admin/audit?${params}`);
      clearFieldErrors(form, summary);
      if (fresh) rows.replaceChildren();
      rows.append(...body.items.map(row));
      shown += body.items.length;
      before = body.next_before_id;
      more.hidden = !before;
      caption.textContent = `${shown} event${shown === 1 ? "" : "s"}${before ? " so far" : ""}, newest first`;
      const actions = new Set([...rows.querySelectorAll("code")].map((c) => c.textContent));
      form
        .querySelector("#audit-actions")
        .replaceChildren(...[...actions].sort().map((a) => h("option", { value: a })));
    } catch (failure) {
      showFieldErrors(form, failure, summary);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(true);
  });
  more.addEventListener("click", () => load(false));
  show(
    main,
    "Audit log",
    h("p", {}, h("a", { href: "/clinic/admin" }, "← Clinic")),
    h("h1", {}, "Audit log"),
    h(
      "p",
      {},
      "Every reading and change of a record, every sign-in and refusal, kept with ids only.",
    ),
    h("section", { class: "card" }, form, summary),
    h(
      "section",
      { class: "card", "aria-label": "Events" },
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { id: "audit" },
          caption,
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["When", "Who", "Action", "Record", "Outcome", "Detail"].map((t) =>
                h("th", { scope: "col" }, t),
              ),
            ),
          ),
          rows,
        ),
      ),
      h("div", { class: "actions" }, more, csv),
    ),
  );
  main.dataset.view = "audit";
  await load(true);
}
