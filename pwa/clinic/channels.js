// Clinic settings: the care team's notification channels (Apprise URLs: chat, paging, an HTTP
// bridge). Each is listed with its service and its URL masked (the API never sends the URL
// back), and the rungs of the escalation ladder it is told on; admins add, change the rungs of,
// switch off (and on again, keeping its URL and rungs) and remove channels. Refusals (a URL Apprise cannot read, an internal host) show beside
// their field in the API's words.

import { request } from "/pwa/js/api.js";
import { announce, h } from "/pwa/js/dom.js";
import { clearFieldErrors, showFieldErrors } from "./field_errors.js";
import { field } from "./settings_form.js";

const BASE = "/api/v1/clinic/channels";

export const RUNG_WORDS = {
  care_team: "Care team (the first alert)",
  on_call: "On call (the first escalation)",
  admins: "Administrators (later escalations)",
};

const KIND_WORDS = {
  chat: "chat",
  paging: "paging",
  sms: "text messages",
  email: "email",
  http: "HTTP bridge",
};

/** "pagerduty (paging)": the URL's scheme, which names the Apprise service, and its kind. */
function serviceWords(channel) {
  const scheme = (channel.url_masked || "").split("://")[0];
  const kind = KIND_WORDS[channel.kind] || channel.kind;
  return scheme ? `${scheme} (${kind})` : kind;
}

function rungsGroup(prefix, legend, chosen) {
  const checked = new Set(chosen);
  return h(
    "fieldset",
    { class: "plain-group", "data-error-for": "rungs", id: `${prefix}-rungs` },
    h("legend", {}, legend),
    Object.entries(RUNG_WORDS).map(([rung, words]) =>
      h(
        "label",
        { class: "check", for: `${prefix}-rung-${rung}` },
        h("input", {
          type: "checkbox",
          id: `${prefix}-rung-${rung}`,
          name: "rungs",
          value: rung,
          checked: checked.has(rung),
        }),
        words,
      ),
    ),
  );
}

function rungsOf(group) {
  return [...group.querySelectorAll("input:checked")].map((i) => i.value);
}

function channelItem(channel, redraw) {
  const prefix = `channel-${channel.id}`;
  const rungs = rungsGroup(prefix, "Told on", channel.rungs);
  const summary = h("p", { class: "error", role: "alert" });
  const save = h("button", { type: "submit", class: "secondary" }, "Save rungs");
  const switchWord = channel.active ? "Switch off" : "Switch on";
  const toggle = h(
    "button",
    { type: "button", class: "secondary", "aria-label": `${switchWord} ${channel.label}` },
    switchWord,
  );
  const remove = h(
    "button",
    { type: "button", class: "danger", "aria-label": `Remove ${channel.label}` },
    "Remove",
  );
  const form = h(
    "form",
    { "aria-label": `Rungs of ${channel.label}` },
    rungs,
    summary,
    h("div", { class: "actions" }, save, toggle, remove),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      await request("PATCH", `${BASE}/${channel.id}`, { rungs: rungsOf(rungs) });
      clearFieldErrors(form, summary);
      announce(`${channel.label}: rungs saved.`);
      await redraw();
    } catch (failure) {
      showFieldErrors(form, failure, summary);
    } finally {
      save.disabled = false;
    }
  });
  toggle.addEventListener("click", async () => {
    toggle.disabled = true;
    try {
      await request("PATCH", `${BASE}/${channel.id}`, { active: !channel.active });
      clearFieldErrors(form, summary);
      announce(
        channel.active
          ? `${channel.label} switched off: it is told of no alert until switched on.`
          : `${channel.label} switched on.`,
      );
      await redraw();
    } catch (failure) {
      showFieldErrors(form, failure, summary);
      toggle.disabled = false;
    }
  });
  remove.addEventListener("click", async () => {
    if (!window.confirm(`Remove the channel ${channel.label}? It is told of no further alert.`))
      return;
    try {
      await request("DELETE", `${BASE}/${channel.id}`);
      announce(`${channel.label} removed.`);
      await redraw();
    } catch (failure) {
      showFieldErrors(form, failure, summary);
    }
  });
  return h(
    "li",
    { class: "channel", "data-channel": String(channel.id) },
    h("h3", {}, channel.label, channel.active ? "" : " (off)"),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "State"),
      h(
        "dd",
        { class: "channel-state" },
        channel.active ? "On" : "Off: told of no alert until switched on",
      ),
      h("dt", {}, "Service"),
      h("dd", {}, serviceWords(channel)),
      h("dt", {}, "URL"),
      h("dd", { class: "masked-url" }, channel.url_masked),
    ),
    form,
  );
}

function addForm(redraw) {
  const label = h("input", {
    id: "channel-label",
    name: "label",
    type: "text",
    maxlength: "100",
    required: true,
  });
  const url = h("input", {
    id: "channel-url",
    name: "url",
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    maxlength: "2000",
    required: true,
  });
  const rungs = rungsGroup("channel-add", "Tell it on", Object.keys(RUNG_WORDS));
  const summary = h("p", { class: "error", role: "alert", id: "channel-add-error" });
  const add = h("button", { type: "submit" }, "Add channel");
  const form = h(
    "form",
    { id: "channel-add", "aria-labelledby": "channel-add-heading" },
    h("h3", { id: "channel-add-heading" }, "Add a channel"),
    h(
      "div",
      { class: "form-grid" },
      field("channel-label", "Name", label),
      field(
        "channel-url",
        "Apprise URL",
        url,
        "For example slack://…, workflows://… (Microsoft Teams), pagerduty://…. Stored sealed, shown back masked.",
      ),
    ),
    rungs,
    summary,
    h("div", { class: "actions" }, add),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    add.disabled = true;
    try {
      const { body } = await request("POST", BASE, {
        label: label.value.trim(),
        url: url.value.trim(),
        rungs: rungsOf(rungs),
      });
      clearFieldErrors(form, summary);
      form.reset();
      announce(`${body.label} added.`);
      await redraw();
    } catch (failure) {
      showFieldErrors(form, failure, summary);
    } finally {
      add.disabled = false;
    }
  });
  return form;
}

/** The notification channels card of the settings screen. */
export async function channelsCard() {
  const list = h("ul", { class: "plain", id: "channels" });
  const empty = h("p", { id: "no-channels" }, "No channel yet.");
  async function redraw() {
    const { body } = await request("GET", BASE);
    list.replaceChildren(...body.items.map((c) => channelItem(c, redraw)));
    empty.hidden = body.items.length > 0;
  }
  await redraw();
  return h(
    "section",
    { class: "card", "aria-labelledby": "channels-heading", id: "channels-card" },
    h("h2", { id: "channels-heading" }, "Notification channels"),
    h(
      "p",
      {},
      "Chat rooms and pagers the care team is told in, through Apprise. Each is told on the rungs of the escalation ladder ticked: the first alert, the first escalation to the staff on call, the later ones to the administrators.",
    ),
    empty,
    list,
    addForm(redraw),
  );
}
