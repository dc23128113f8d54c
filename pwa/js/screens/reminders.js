// Reminders: when check-ins come, and the time of day (and weekday, for weekly ones) the
// patient can change. How often and which check-ins is the care team's choice.

import { ApiError, request } from "../api.js";
import { announce, h, show } from "../dom.js";
import { LOCALE, t } from "../i18n.js";
import { CHANNEL_WORDS, INSTRUMENT_NAMES, atWords } from "../words.js";

/** 0 = Monday, as the server counts (English names: what Intl gives for "en-US"). */
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
/** The weekday names the patient reads, and "on Tuesdays" (each language says it its way). */
const DAY_NAMES = WEEKDAYS.map((_, day) => t(`weekday.${day}`));
const DAYS_NAMES = WEEKDAYS.map((_, day) => t(`weekdays.${day}`));

/** "6:00 PM" (or "18:00", as the phone says times) for "18:00". */
export function clockWords(localTime) {
  const [hours, minutes] = localTime.split(":").map(Number);
  return new Intl.DateTimeFormat(LOCALE, {
    hour: "numeric",
    minute: "2-digit",
    timeZone: "UTC",
  }).format(new Date(Date.UTC(2000, 0, 3, hours, minutes)));
}

/** The weekday (0 = Monday) of an instant in the patient's time zone. */
function weekdayIn(iso, timeZone) {
  const name = new Intl.DateTimeFormat("en-US", { weekday: "long", timeZone }).format(
    new Date(iso),
  );
  return WEEKDAYS.indexOf(name);
}

/** "Every week, on Tuesdays, at 6:00 PM": the rhythm in plain words. */
export function rhythmWords(schedule, weekday) {
  const at = atWords(clockWords(schedule.local_time));
  const days = schedule.cadence_days;
  if (!days) return null;
  if (days === 1) return t("reminders.everyDay", { at });
  if (days % 7 === 0) {
    const every =
      days === 7 ? t("reminders.everyWeek") : t("reminders.everyWeeks", { weeks: days / 7 });
    return weekday >= 0
      ? t("reminders.onDay", { every, days: DAYS_NAMES[weekday], at })
      : t("reminders.at", { every, at });
  }
  return t("reminders.everyDays", { days, at });
}

function dueWords(due, timeZone) {
  const when = new Intl.DateTimeFormat(LOCALE, {
    weekday: "long",
    month: "long",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZone,
  }).format(new Date(due.due_at));
  const name = INSTRUMENT_NAMES[due.instrument]
    ? INSTRUMENT_NAMES[due.instrument].name
    : due.instrument;
  return `${name}: ${when}`;
}

function summary(schedule) {
  const weekly = schedule.cadence_days && schedule.cadence_days % 7 === 0;
  const cadenceDue = schedule.next_due.find((d) =>
    schedule.cadence_instruments.includes(d.instrument),
  );
  const weekday =
    schedule.weekday ?? (cadenceDue ? weekdayIn(cadenceDue.due_at, schedule.timezone) : -1);
  const rhythm = rhythmWords(schedule, weekly ? weekday : -1);
  const upcoming = schedule.next_due.filter((d) => new Date(d.due_at) > new Date()).slice(0, 5);
  return {
    weekday,
    weekly,
    card: h(
      "section",
      { class: "card", "aria-labelledby": "when-title", id: "reminder-summary" },
      h("h2", { id: "when-title" }, t("reminders.whenTitle")),
      rhythm ? h("p", {}, rhythm) : null,
      schedule.session_anchored ? h("p", {}, t("reminders.sessionAnchored")) : null,
      upcoming.length
        ? [
            h("h3", {}, t("reminders.comingUp")),
            h(
              "ul",
              { class: "upcoming" },
              upcoming.map((d) => h("li", {}, dueWords(d, schedule.timezone))),
            ),
          ]
        : h("p", {}, t("reminders.nothing")),
    ),
  };
}

function form(schedule, weekly, weekday, save) {
  const time = h("input", {
    type: "time",
    id: "reminder-time",
    name: "local_time",
    value: schedule.local_time,
    required: true,
  });
  const day = weekly
    ? h(
        "select",
        { id: "reminder-day", name: "weekday" },
        DAY_NAMES.map((name, value) => h("option", { value, selected: value === weekday }, name)),
      )
    : null;
  const phoneZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone =
    phoneZone && phoneZone !== schedule.timezone
      ? h("input", { type: "checkbox", id: "reminder-zone", name: "timezone", value: phoneZone })
      : null;
  const message = h("p", { role: "status", id: "reminder-message" });
  const button = h("button", { type: "submit", class: "button" }, t("reminders.save"));
  const element = h(
    "form",
    { class: "card reminder-form", "aria-labelledby": "change-title" },
    h("h2", { id: "change-title" }, t("reminders.changeTitle")),
    h("p", { class: "hint" }, t("reminders.pick")),
    h(
      "div",
      { class: "field" },
      h("label", { for: "reminder-time" }, t("reminders.timeOfDay")),
      time,
    ),
    day
      ? h(
          "div",
          { class: "field" },
          h("label", { for: "reminder-day" }, t("reminders.dayOfWeek")),
          day,
        )
      : null,
    zone
      ? h(
          "div",
          { class: "field check" },
          zone,
          h(
            "label",
            { for: "reminder-zone" },
            t("reminders.useZone", { phone: phoneZone, zone: schedule.timezone }),
          ),
        )
      : h("p", { class: "hint" }, t("reminders.zone", { zone: schedule.timezone })),
    button,
    message,
  );
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    const change = { local_time: time.value };
    if (day) change.weekday = Number(day.value);
    if (zone && zone.checked) change.timezone = zone.value;
    button.disabled = true;
    message.textContent = t("reminders.saving");
    try {
      await save(change);
    } catch (error) {
      message.textContent =
        error instanceof ApiError ? t("reminders.notSaved") : t("reminders.needsInternetSave");
      button.disabled = false;
    }
  });
  return element;
}

/** How reminders reach the patient: the channels the clinic offers, in the patient's order. */
function channelsForm(prefs, saveChannels) {
  const words = CHANNEL_WORDS;
  if (!prefs.offered.length) {
    return h(
      "section",
      { class: "card", id: "reminder-channels" },
      h("h2", {}, words.title),
      h("p", {}, words.none),
    );
  }
  const boxes = prefs.offered.map((channel) =>
    h("input", {
      type: "checkbox",
      id: `channel-${channel}`,
      name: "channels",
      value: channel,
      checked: prefs.channels.includes(channel),
    }),
  );
  const email = prefs.offered.includes("email")
    ? h("input", {
        type: "email",
        id: "channel-email-address",
        name: "email",
        autocomplete: "email",
      })
    : null;
  const phone = prefs.offered.includes("sms")
    ? h("input", { type: "tel", id: "channel-phone-number", name: "phone", autocomplete: "tel" })
    : null;
  const message = h("p", { role: "status", id: "channels-message" });
  const button = h("button", { type: "submit", class: "button" }, words.save);
  const element = h(
    "form",
    { class: "card reminder-form", id: "reminder-channels", "aria-labelledby": "channels-title" },
    h("h2", { id: "channels-title" }, words.title),
    h("p", { class: "hint" }, words.hint),
    h(
      "fieldset",
      {},
      h("legend", {}, words.title),
      prefs.offered.map((channel, i) =>
        h(
          "div",
          { class: "field check" },
          boxes[i],
          h("label", { for: `channel-${channel}` }, words[channel]),
        ),
      ),
    ),
    prefs.offered.includes("webpush") && !prefs.push_subscribed
      ? h("p", { class: "hint" }, words.push_note)
      : null,
    email
      ? h(
          "div",
          { class: "field" },
          h("label", { for: "channel-email-address" }, words.email_label),
          email,
          prefs.email_hint ? h("p", { class: "hint" }, words.current(prefs.email_hint)) : null,
        )
      : null,
    phone
      ? h(
          "div",
          { class: "field" },
          h("label", { for: "channel-phone-number" }, words.phone_label),
          phone,
          h(
            "p",
            { class: "hint" },
            prefs.phone_hint ? words.current(prefs.phone_hint) : words.phone_hint,
          ),
        )
      : null,
    button,
    message,
  );
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    const change = {
      channels: boxes.filter((box) => box.checked).map((box) => box.value),
    };
    if (email && email.value.trim()) change.email = email.value.trim();
    if (phone && phone.value.trim()) change.phone = phone.value.trim();
    button.disabled = true;
    message.textContent = words.saving;
    try {
      await saveChannels(change);
    } catch (error) {
      message.textContent = error instanceof ApiError ? refusal(error) : words.offline;
      button.disabled = false;
    }
  });
  return element;
}

/**
 * What a refusal says to the patient: the reasons of the fields refused (a number that is not
 * one, a channel the clinic does not offer), not the API's "each field says why", since this
 * form has one status line and no message beside each field.
 */
function refusal(error) {
  const errors = (error.body && error.body.errors) || {};
  const reasons = [];
  const collect = (value) => {
    if (typeof value === "string") reasons.push(value);
    else if (value && typeof value === "object") Object.values(value).forEach(collect);
  };
  collect(errors.json || errors);
  return [...new Set(reasons)].join(" ") || error.message || CHANNEL_WORDS.refused;
}

/** The channels could not be read (the network went between the two reads). */
const UNREACHABLE = Symbol("unreachable");

function channelsUnreachable() {
  return h(
    "section",
    { class: "card", id: "reminder-channels", "aria-labelledby": "channels-title" },
    h("h2", { id: "channels-title" }, CHANNEL_WORDS.title),
    h("p", {}, CHANNEL_WORDS.offline),
  );
}

/** The reminders screen. */
export async function remindersScreen(app, saved = false) {
  let schedule;
  try {
    ({ body: schedule } = await request("GET", "/api/v1/me/schedule"));
  } catch {
    show(
      app.main,
      t("reminders.title"),
      h("h1", {}, t("reminders.heading")),
      h("p", {}, t("reminders.needsInternet")),
      h("a", { class: "button secondary", href: "#/" }, t("checkin.backHome")),
    );
    return;
  }
  let prefs;
  try {
    ({ body: prefs } = await request("GET", "/api/v1/me/reminders"));
  } catch (error) {
    // The time can still be changed; the channels say that they need the network.
    prefs = error instanceof ApiError ? null : UNREACHABLE;
  }
  render(app, schedule, saved, prefs);
}

function render(app, schedule, saved, prefs = null, channelsSaved = false) {
  const { card, weekly, weekday } = summary(schedule);
  const save = async (change) => {
    const { body } = await request("PATCH", "/api/v1/me/schedule", change);
    render(app, body, true, prefs);
    announce(t("reminders.saved"));
  };
  const saveChannels = async (change) => {
    const { body } = await request("PATCH", "/api/v1/me/reminders", change);
    render(app, schedule, false, body, true);
    announce(CHANNEL_WORDS.saved);
  };
  show(
    app.main,
    t("reminders.title"),
    h("h1", {}, t("reminders.heading")),
    h("p", { class: "lead" }, t("reminders.lead")),
    saved ? h("p", { class: "card notice", id: "reminder-saved" }, t("reminders.saved")) : null,
    card,
    form(schedule, weekly, weekday, save),
    prefs === UNREACHABLE
      ? channelsUnreachable()
      : prefs
        ? channelsForm(prefs, saveChannels)
        : null,
    channelsSaved
      ? h("p", { class: "card notice", id: "channels-saved" }, CHANNEL_WORDS.saved)
      : null,
    h("a", { class: "button secondary", href: "#/" }, t("checkin.backHome")),
  );
}
