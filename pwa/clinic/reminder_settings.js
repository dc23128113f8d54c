// Clinic settings: patient reminders. Which channels patients may choose, the SMS provider's
// Apprise URL (shown only masked; typed again to replace it), whether a reminder names the
// clinic, and the quiet hours a reminder waits out.

import { h } from "/pwa/js/dom.js";
import { REMINDER_CHANNEL_WORDS } from "./format.js";
import { field, part } from "./settings_form.js";

function offeredGroup(settings) {
  const offered = new Set(settings.reminder_channels || []);
  return h(
    "fieldset",
    { class: "plain-group", "data-error-for": "reminder_channels", id: "reminder-offered" },
    h("legend", {}, "Channels patients may choose"),
    Object.entries(REMINDER_CHANNEL_WORDS).map(([value, words]) =>
      h(
        "label",
        { class: "check", for: `reminder-offer-${value}` },
        h("input", {
          type: "checkbox",
          id: `reminder-offer-${value}`,
          name: "reminder_channels",
          value,
          checked: offered.has(value),
        }),
        words,
      ),
    ),
  );
}

function time(id, name, value) {
  return h("input", { id, name, type: "time", value: value || "" });
}

/** The reminders part of the settings. */
export function remindersPart(settings) {
  const offered = offeredGroup(settings);
  const masked = h("span", { id: "reminder-sms-masked" });
  const smsUrl = h("input", {
    id: "reminder-sms-url",
    name: "reminder_sms_url",
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    maxlength: "2000",
  });
  const clear = h("input", { type: "checkbox", id: "reminder-sms-clear" });
  const clearField = h(
    "div",
    { class: "field" },
    h("label", { class: "check", for: "reminder-sms-clear" }, clear, "Remove the SMS provider"),
  );
  const names = h("input", {
    type: "checkbox",
    id: "reminder-names-clinic",
    name: "reminder_names_clinic",
    checked: Boolean(settings.reminder_names_clinic),
  });
  const start = time("quiet-start", "quiet_hours_start", settings.quiet_hours_start);
  const end = time("quiet-end", "quiet_hours_end", settings.quiet_hours_end);
  function showMask(current) {
    const url = current.reminder_sms_url_masked;
    masked.textContent = url ? `Now: ${url}` : "None set.";
    clearField.hidden = !url;
    clear.checked = false;
  }
  showMask(settings);
  return part({
    id: "reminders",
    heading: "Patient reminders",
    intro:
      "How check-in reminders may reach patients; each patient chooses among these. A reminder says only that a check-in is due, with a link to stop it.",
    button: "Save reminders",
    controls: [
      offered,
      field(
        "reminder-sms-url",
        "SMS provider (Apprise URL)",
        smsUrl,
        "For example twilio://… or an HTTPS bridge. Never shown back: type a new one only to replace it.",
      ),
      h("p", { class: "meta" }, masked),
      clearField,
      h(
        "div",
        { class: "field" },
        h(
          "label",
          { class: "check", for: "reminder-names-clinic" },
          names,
          "Reminders name the clinic",
        ),
        h("span", { class: "hint" }, "Off: a reminder does not say who it is from."),
      ),
      h(
        "fieldset",
        { class: "plain-group", "data-error-for": "quiet_hours" },
        h("legend", {}, "Quiet hours, in each patient's own time (both or neither)"),
        h(
          "div",
          { class: "form-grid" },
          field("quiet-start", "From", start),
          field("quiet-end", "Until", end),
        ),
      ),
    ],
    body: () => {
      const body = {
        reminder_channels: [...offered.querySelectorAll("input:checked")].map((i) => i.value),
        reminder_names_clinic: names.checked,
        quiet_hours_start: start.value || null,
        quiet_hours_end: end.value || null,
      };
      if (clear.checked) body.reminder_sms_url = null;
      else if (smsUrl.value.trim()) body.reminder_sms_url = smsUrl.value.trim();
      return body;
    },
    saved: (fresh) => {
      smsUrl.value = "";
      showMask(fresh);
    },
  });
}
