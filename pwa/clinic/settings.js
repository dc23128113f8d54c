// Clinic settings (administrators): the crisis resources patients are shown, the clinic's own
// phone among them; monitoring hours; the alert rules' thresholds; escalation; the care team's
// notification channels (channels.js); the webhook; patient reminders (reminder_settings.js).
// Each part saves on its own (a PATCH of its fields only), its refusals beside its fields.

import { request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { channelsCard } from "./channels.js";
import { remindersPart } from "./reminder_settings.js";
import { field, part } from "./settings_form.js";

const KIND_WORDS = {
  emergency: "Emergency services",
  crisis_line: "Crisis line",
  clinic: "This clinic",
  other: "Other",
};

/** The rule settings this screen has words for; any other the API sends is shown by name. */
const RULE_WORDS = {
  suicidal_ideation: [
    "PHQ-9 item 9 (suicidal thoughts)",
    "Always on: every positive answer is followed up.",
  ],
  severe: ["Severe scores", "A total that enters the questionnaire's most severe band."],
  worsening: [
    "Worsening",
    "A rise by the change threshold below against the check-in and the lowest score at least " +
      "7 days earlier (the PHQ-9's and GAD-7's retest interval).",
  ],
  phq9_change_points: [
    "PHQ-9 change threshold (points)",
    "5 is the minimal clinically important difference (Löwe 2004); 6 the reliable change " +
      "index (IAPT). Used by the status and the worsening alert.",
  ],
  gad7_change_points: [
    "GAD-7 change threshold (points)",
    "4 is the minimal clinically important difference (Toussaint 2020); about 6 the reliable " +
      "change index (Bischoff 2020).",
  ],
  validated_interval_days: [
    "Days between two PHQ-9s (or two GAD-7s)",
    "Never below 7: both ask about the last 2 weeks and are not validated for use less than " +
      "7 days apart. The daily mood check-in covers the days between.",
  ],
  risk_flag_days: ["Days a resolved safety flag stays on the panel", null],
  case_window_hours: [
    "Hours an acknowledged case gathers further alerts quietly",
    "A later alert of no higher priority (and no positive safety screen) reopens the case " +
      "and tells the care team again.",
  ],
  asq_follow_up_minutes: [
    "Minutes the follow-up questions after item 9 may go unanswered",
    "Then the item-9 alert says they were not answered.",
  ],
  missed_checkins: ["Missed check-ins", null],
  missed_checkins_days: ["Days a due check-in may be late before an alert", null],
  not_on_track: [
    "Not on track",
    "Less improvement from baseline than expected, some weeks or sessions into a course.",
  ],
  not_on_track_weeks: ["Not on track: after this many weeks", null],
  not_on_track_sessions: ["Not on track: or after this many sessions", null],
  not_on_track_min_improvement: ["Not on track: improvement expected (%)", null],
  session_caution_systolic: [
    "Session: flag a systolic pressure above",
    "mmHg; default 140, the esketamine label's pre-dose line (120-180).",
  ],
  session_caution_diastolic: [
    "Session: flag a diastolic pressure above",
    "mmHg; default 90 (70-120).",
  ],
  session_caution_heart_rate: [
    "Session: flag a heart rate above",
    "Per minute; default 100 (60-150).",
  ],
  session_caution_spo2: ["Session: flag an SpO2 below", "%; default 94 (85-99)."],
  session_urgent_systolic: [
    "Session: alert the on-site team at a systolic pressure of",
    "mmHg or more; default 180 (140-250).",
  ],
  session_urgent_diastolic: [
    "Session: alert the on-site team at a diastolic pressure of",
    "mmHg or more; default 110 (90-150).",
  ],
  session_urgent_heart_rate: [
    "Session: alert the on-site team at a heart rate of",
    "Per minute or more; default 150 (110-200).",
  ],
  session_urgent_spo2: [
    "Session: alert the on-site team at an SpO2 below",
    "%; default 90 (80-95).",
  ],
  // The clinic's defaults of a home-dosing plan: what a patient's plan takes for a blank.
  home_min_interval_hours: ["Home dosing: at least this many hours apart", "Default 72."],
  home_max_per_week: ["Home dosing: at most this many doses in 7 days", "Default 2."],
  home_systolic_max: ["Home dosing: no dose over this systolic", "mmHg; default 160."],
  home_diastolic_max: ["Home dosing: no dose over this diastolic", "mmHg; default 90."],
  home_heart_rate_max: ["Home dosing: no dose over this heart rate", "Per minute; default 100."],
  home_post_check_minutes: [
    "Home dosing: after-dose check, minutes after a dose",
    "Default 120 (two uninterrupted hours).",
  ],
  home_post_check_missed_minutes: [
    "Home dosing: care team told if the check is unanswered after (minutes)",
    "Default 240.",
  ],
  home_monitor_required: [
    "Home dosing: a monitor must be present",
    "The default of a new plan; each patient's plan can differ.",
  ],
};
/** Fractions shown and typed as percentages. */
const PERCENT = new Set(["not_on_track_min_improvement"]);

// --- crisis resources ------------------------------------------------------------------

function resourceRow(resource, index, onRemove) {
  const id = (name) => `res-${index}-${name}`;
  const name = (key) => `crisis_resources.${index}.${key}`;
  const input = (key, attrs = {}) =>
    h("input", { id: id(key), name: name(key), value: resource[key] || "", ...attrs });
  const kind = h(
    "select",
    { id: id("kind"), name: name("kind") },
    Object.entries(KIND_WORDS).map(([value, words]) =>
      h("option", { value, selected: (resource.kind || "other") === value }, words),
    ),
  );
  const remove = h(
    "button",
    { type: "button", class: "secondary", "aria-label": `Remove ${resource.name || "this entry"}` },
    "Remove",
  );
  remove.addEventListener("click", () => onRemove(index));
  return h(
    "fieldset",
    { class: "resource", "data-index": String(index) },
    h("legend", {}, resource.name || `Entry ${index + 1}`),
    h(
      "div",
      { class: "form-grid" },
      field(id("name"), "Name", input("name", { maxlength: "100" })),
      field(id("kind"), "Kind", kind),
      field(id("phone"), "Phone to call", input("phone", { type: "tel", maxlength: "30" })),
      field(id("sms"), "Number to text", input("sms", { type: "tel", maxlength: "30" })),
      field(id("sms_keyword"), "Text keyword", input("sms_keyword", { maxlength: "20" })),
      field(id("url"), "Web page (https)", input("url", { type: "url", maxlength: "300" })),
    ),
    h("div", { class: "actions" }, remove),
  );
}

function crisisPart(settings) {
  // Waypoint's default list is in use while the clinic has none of its own: start from it.
  const first = settings.crisis_resources.length
    ? settings.crisis_resources
    : settings.effective_crisis_resources;
  let rows = first.map((r) => ({ ...r }));
  const list = h("div", {});
  const group = h(
    "fieldset",
    { class: "plain-group", "data-error-for": "crisis_resources", id: "crisis-list" },
    h("legend", { class: "visually-hidden" }, "Crisis resources"),
    list,
  );
  const clinicHint = h("p", { class: "flag", id: "no-clinic-phone" });
  const addClinic = h("button", { type: "button", class: "secondary" }, "Add the clinic's phone");
  const addOther = h("button", { type: "button", class: "secondary" }, "Add another entry");
  /** What is typed, kept before the list is drawn again. */
  function sync() {
    const value = (index, key) => {
      const element = group.querySelector(`[name="crisis_resources.${index}.${key}"]`);
      const text = element ? element.value.trim() : "";
      return text === "" ? null : text;
    };
    rows = rows.map((_, i) => ({
      name: value(i, "name") || "",
      kind: value(i, "kind"),
      phone: value(i, "phone"),
      sms: value(i, "sms"),
      sms_keyword: value(i, "sms_keyword"),
      url: value(i, "url"),
    }));
  }
  function draw() {
    list.replaceChildren(...rows.map((r, i) => resourceRow(r, i, removeRow)));
    const hasClinic = rows.some((r) => r.kind === "clinic");
    clinicHint.hidden = hasClinic;
    clinicHint.textContent = hasClinic
      ? ""
      : "Patients are not shown the clinic's own phone yet: add it, so that they can call you when it is not an emergency.";
    addClinic.hidden = hasClinic;
  }
  function removeRow(index) {
    sync();
    rows.splice(index, 1);
    draw();
    addOther.focus();
  }
  addClinic.addEventListener("click", () => {
    sync();
    rows.push({ name: settings.name, kind: "clinic" });
    draw();
    list.lastElementChild.querySelector("input[name$='.phone']").focus();
  });
  addOther.addEventListener("click", () => {
    sync();
    rows.push({ name: "", kind: "other" });
    draw();
    list.lastElementChild.querySelector("input").focus();
  });
  draw();
  return part({
    id: "crisis",
    heading: "Crisis resources",
    intro:
      "What a patient is shown when an answer calls for help, on their phone and offline too. Emergency services by phone cannot be left out: they come first when the risk is now (the ASQ's acuity question), after the free day-and-night crisis lines otherwise, and always before the clinic's own number.",
    controls: [clinicHint, group, h("div", { class: "actions" }, addClinic, addOther)],
    body: () => {
      sync();
      return { crisis_resources: rows };
    },
    saved: (fresh) => {
      rows = fresh.crisis_resources.map((r) => ({ ...r }));
      draw();
    },
  });
}

// --- the other parts ---------------------------------------------------------------------

function monitoringPart(settings) {
  const hours = h(
    "textarea",
    { id: "monitoring-hours", name: "monitoring_hours", maxlength: "300", rows: "3" },
    settings.monitoring_hours || "",
  );
  return part({
    id: "monitoring",
    heading: "Monitoring hours",
    intro:
      "When someone at the clinic reads check-ins and alerts. Patients are told this beside the crisis numbers.",
    controls: field(
      "monitoring-hours",
      "Hours the care team watches",
      hours,
      "For example: Monday to Friday, 8 am to 6 pm. Outside these hours, call 911 or 988.",
    ),
    body: () => ({ monitoring_hours: hours.value.trim() || null }),
  });
}

function rulesPart(settings) {
  const controls = Object.entries(settings.rule_settings).map(([key, value]) => {
    const [label, hint] = RULE_WORDS[key] || [key.replaceAll("_", " "), null];
    const id = `rule-${key}`;
    const name = `rule_settings.${key}`;
    if (typeof value === "boolean") {
      const locked = key === "suicidal_ideation";
      const box = h("input", { type: "checkbox", id, name, checked: value, disabled: locked });
      return h(
        "div",
        { class: "field" },
        h("label", { class: "check", for: id }, box, label),
        hint ? h("span", { class: "hint" }, hint) : null,
      );
    }
    const percent = PERCENT.has(key);
    // The range is said in words; the server's refusal, beside the field, enforces it.
    const bounds = (settings.rule_setting_bounds || {})[key];
    const range = bounds ? `From ${bounds.min} to ${bounds.max}.` : null;
    const input = h("input", {
      id,
      name,
      type: "number",
      step: "1",
      min: "1",
      max: percent ? "100" : undefined,
      value: String(percent ? Math.round(value * 100) : value),
      required: true,
      "data-percent": percent ? "true" : undefined,
    });
    return field(id, label, input, [hint, range].filter(Boolean).join(" ") || null);
  });
  const grid = h("div", { class: "form-grid" }, controls);
  return part({
    id: "rules",
    heading: "Alert rules",
    intro: "Which alerts the clinic gets, and when. Changes apply from the next check-in.",
    controls: grid,
    body: () => {
      const rules = {};
      for (const element of grid.querySelectorAll("input")) {
        const key = element.name.slice("rule_settings.".length);
        if (element.disabled) continue;
        if (element.type === "checkbox") rules[key] = element.checked;
        else if (element.value.trim() === "") rules[key] = null;
        else if (element.dataset.percent) rules[key] = Number(element.value) / 100;
        else rules[key] = Number(element.value);
      }
      return { rule_settings: rules };
    },
  });
}

function escalationPart(settings) {
  const minutes = (key, label) => {
    const input = h("input", {
      id: `esc-${key}`,
      name: key,
      type: "number",
      min: "1",
      max: "1440",
      step: "1",
      required: true,
      value: String(settings[key]),
    });
    return field(`esc-${key}`, label, input);
  };
  const grid = h(
    "div",
    { class: "form-grid" },
    minutes("escalate_imminent_minutes", "Imminent risk: minutes"),
    minutes("escalate_urgent_minutes", "Urgent: minutes"),
  );
  return part({
    id: "escalation",
    heading: "Escalation",
    intro:
      "An imminent or urgent alert nobody has acknowledged after this many minutes goes to the staff on call, then to the clinic's administrators, again at each such interval until someone acknowledges it.",
    controls: grid,
    body: () => ({
      escalate_imminent_minutes: Number(
        grid.querySelector("[name=escalate_imminent_minutes]").value,
      ),
      escalate_urgent_minutes: Number(grid.querySelector("[name=escalate_urgent_minutes]").value),
    }),
  });
}

function webhookPart(settings) {
  const url = h("input", {
    id: "webhook-url",
    name: "webhook_url",
    type: "url",
    maxlength: "500",
    value: settings.webhook_url || "",
  });
  const secret = h("input", {
    id: "webhook-secret",
    name: "webhook_secret",
    type: "password",
    autocomplete: "new-password",
    minlength: "16",
    maxlength: "200",
  });
  const secretHint = settings.webhook_secret_set
    ? "A secret is set and never shown. Type a new one only to change it."
    : "At least 16 characters; it signs each request (X-Waypoint-Signature).";
  return part({
    id: "webhook",
    heading: "Webhook",
    intro: "Alerts as signed JSON to a chat or paging bridge. Empty: none.",
    controls: h(
      "div",
      { class: "form-grid" },
      field("webhook-url", "Address (https)", url),
      field("webhook-secret", "Signing secret", secret, secretHint),
    ),
    body: () => {
      const body = { webhook_url: url.value.trim() || null };
      if (secret.value) body.webhook_secret = secret.value;
      return body;
    },
    saved: () => {
      secret.value = "";
    },
  });
}

/** The settings screen (admins: the API refuses anyone else, and so does this screen). */
export async function renderSettings(main, staff) {
  if (!staff || staff.role !== "admin") {
    show(
      main,
      "Clinic settings",
      h("h1", {}, "Clinic settings"),
      h("p", {}, "Only the clinic's administrators can change its settings."),
    );
    return;
  }
  const [{ body: settings }, channels] = await Promise.all([
    request("GET", "/api/v1/clinic/settings"),
    channelsCard(),
  ]);
  show(
    main,
    "Clinic settings",
    h("p", {}, h("a", { href: "/clinic/admin" }, "← Clinic")),
    h("h1", {}, "Clinic settings"),
    h("p", { class: "meta" }, `${settings.name} · time zone ${settings.timezone}`),
    h(
      "div",
      { class: "grid" },
      h("div", {}, crisisPart(settings), rulesPart(settings)),
      h(
        "div",
        {},
        monitoringPart(settings),
        escalationPart(settings),
        channels,
        webhookPart(settings),
        remindersPart(settings),
      ),
    ),
  );
  main.dataset.view = "settings";
}
