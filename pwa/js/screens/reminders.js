// Reminders: when check-ins come, and the time of day (and weekday, for weekly ones) the
// patient can change. How often and which check-ins is the care team's choice.

import { ApiError, request } from "../api.js";
import { announce, h, show } from "../dom.js";
import { INSTRUMENT_NAMES } from "../words.js";

/** 0 = Monday, as the server counts. */
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** "6:00 PM" (or "18:00", as the phone says times) for "18:00". */
export function clockWords(localTime) {
  const [hours, minutes] = localTime.split(":").map(Number);
  return new Intl.DateTimeFormat(undefined, {
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
  const at = clockWords(schedule.local_time);
  const days = schedule.cadence_days;
  if (!days) return null;
  if (days === 1) return `Every day at ${at}.`;
  if (days % 7 === 0) {
    const every = days === 7 ? "Every week" : `Every ${days / 7} weeks`;
    return weekday >= 0 ? `${every}, on ${WEEKDAYS[weekday]}s, at ${at}.` : `${every}, at ${at}.`;
  }
  return `Every ${days} days at ${at}.`;
}

function dueWords(due, timeZone) {
  const when = new Intl.DateTimeFormat(undefined, {
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
      h("h2", { id: "when-title" }, "When your check-ins come"),
      rhythm ? h("p", {}, rhythm) : null,
      schedule.session_anchored
        ? h(
            "p",
            {},
            "After each treatment session, there are also a few check-ins in the days that follow, at the same time of day.",
          )
        : null,
      upcoming.length
        ? [
            h("h3", {}, "Coming up"),
            h(
              "ul",
              { class: "upcoming" },
              upcoming.map((d) => h("li", {}, dueWords(d, schedule.timezone))),
            ),
          ]
        : h("p", {}, "Nothing is planned right now."),
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
        WEEKDAYS.map((name, value) => h("option", { value, selected: value === weekday }, name)),
      )
    : null;
  const phoneZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone =
    phoneZone && phoneZone !== schedule.timezone
      ? h("input", { type: "checkbox", id: "reminder-zone", name: "timezone", value: phoneZone })
      : null;
  const message = h("p", { role: "status", id: "reminder-message" });
  const button = h("button", { type: "submit", class: "button" }, "Save");
  const element = h(
    "form",
    { class: "card reminder-form", "aria-labelledby": "change-title" },
    h("h2", { id: "change-title" }, "Change the time"),
    h(
      "p",
      { class: "hint" },
      "Pick a time when you usually have a quiet moment. Your care team decides how often.",
    ),
    h("div", { class: "field" }, h("label", { for: "reminder-time" }, "Time of day"), time),
    day
      ? h("div", { class: "field" }, h("label", { for: "reminder-day" }, "Day of the week"), day)
      : null,
    zone
      ? h(
          "div",
          { class: "field check" },
          zone,
          h(
            "label",
            { for: "reminder-zone" },
            `Use this phone's time zone (${phoneZone}) instead of ${schedule.timezone}`,
          ),
        )
      : h("p", { class: "hint" }, `Times are in your time zone, ${schedule.timezone}.`),
    button,
    message,
  );
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    const change = { local_time: time.value };
    if (day) change.weekday = Number(day.value);
    if (zone && zone.checked) change.timezone = zone.value;
    button.disabled = true;
    message.textContent = "Saving…";
    try {
      await save(change);
    } catch (error) {
      message.textContent =
        error instanceof ApiError
          ? "That time could not be saved. Please check it and try again."
          : "Changing the time needs the internet. Please try again when your phone is online.";
      button.disabled = false;
    }
  });
  return element;
}

/** The reminders screen. */
export async function remindersScreen(app, saved = false) {
  let schedule;
  try {
    ({ body: schedule } = await request("GET", "/api/v1/me/schedule"));
  } catch {
    show(
      app.main,
      "Reminders",
      h("h1", {}, "Your reminders"),
      h(
        "p",
        {},
        "Seeing and changing your reminders needs the internet. Please try again when your phone is online.",
      ),
      h("a", { class: "button secondary", href: "#/" }, "Back to home"),
    );
    return;
  }
  render(app, schedule, saved);
}

function render(app, schedule, saved) {
  const { card, weekly, weekday } = summary(schedule);
  const save = async (change) => {
    const { body } = await request("PATCH", "/api/v1/me/schedule", change);
    render(app, body, true);
    announce("Saved. Your check-ins will come at the new time.");
  };
  show(
    app.main,
    "Reminders",
    h("h1", {}, "Your reminders"),
    h(
      "p",
      { class: "lead" },
      "Check-ins come at a time that suits you. You can change it whenever you like.",
    ),
    saved
      ? h(
          "p",
          { class: "card notice", id: "reminder-saved" },
          "Saved. Your check-ins will come at the new time.",
        )
      : null,
    card,
    form(schedule, weekly, weekday, save),
    h("a", { class: "button secondary", href: "#/" }, "Back to home"),
  );
}
