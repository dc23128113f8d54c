// My account: two-step sign-in, alert notifications on this device, password, my devices.

import { request } from "/pwa/js/api.js";
import { announce, h, show } from "/pwa/js/dom.js";
import { errorText, relative, when } from "./format.js";
import { pushCard } from "./staff_push.js";

/** "Chrome on Windows" from a User-Agent string, for a person to recognise a device. */
export function deviceWords(userAgent) {
  const ua = userAgent || "";
  const browser =
    [
      ["Edg/", "Edge"],
      ["Firefox/", "Firefox"],
      ["Chrome/", "Chrome"],
      ["Safari/", "Safari"],
    ].find(([k]) => ua.includes(k)) || [];
  const system =
    [
      ["Android", "Android"],
      ["iPhone", "iPhone"],
      ["iPad", "iPad"],
      ["Windows", "Windows"],
      ["Mac OS", "Mac"],
      ["Linux", "Linux"],
    ].find(([k]) => ua.includes(k)) || [];
  if (!browser[1] && !system[1]) return "Unknown device";
  return [browser[1] || "A browser", system[1] ? `on ${system[1]}` : ""].join(" ").trim();
}

function twoStepCard(staff, enrol) {
  const on = staff.totp_enabled;
  const button = h("button", { type: "button", class: "secondary" }, "Set up two-step sign-in");
  button.addEventListener("click", enrol);
  return h(
    "section",
    { class: "card", "aria-labelledby": "two-step-heading" },
    h("h2", { id: "two-step-heading" }, "Two-step sign-in"),
    h(
      "p",
      { id: "two-step-status" },
      on
        ? "On: you sign in with your password and a code from your authenticator app."
        : "Off: you sign in with your password only.",
    ),
    on ? null : button,
  );
}

function passwordCard(onSignedOut) {
  const field = (id, label, autocomplete, hint) =>
    h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null,
      h("input", {
        id,
        name: id,
        type: "password",
        autocomplete,
        required: true,
        "aria-describedby": hint ? `${id}-hint` : null,
      }),
    );
  const message = h("p", { role: "status", id: "password-message" });
  const button = h("button", { type: "submit" }, "Change password");
  const form = h(
    "form",
    { class: "stack", "aria-labelledby": "password-heading" },
    field("current-password", "Current password", "current-password"),
    field(
      "new-password",
      "New password",
      "new-password",
      "At least 12 characters; a few unrelated words work well.",
    ),
    field("repeat-password", "New password again", "new-password"),
    message,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (id) => form.querySelector(`#${id}`).value;
    message.className = "";
    if (value("new-password") !== value("repeat-password")) {
      message.className = "error";
      message.textContent = "The two new passwords are not the same.";
      return;
    }
    button.disabled = true;
    try {
      const { body } = await request("POST", "/api/v1/account/password", {
        current_password: value("current-password"),
        new_password: value("new-password"),
      });
      form.reset();
      const others = body.sessions_ended;
      message.textContent = `Password changed.${others ? ` ${others === 1 ? "1 other device was" : `${others} other devices were`} signed out.` : ""}`;
      onSignedOut();
    } catch (error) {
      message.className = "error";
      message.textContent = errorText(error);
    } finally {
      button.disabled = false;
    }
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "password-heading" },
    h("h2", { id: "password-heading" }, "Password"),
    form,
  );
}

function devicesCard(signedOutHere) {
  const rows = h("tbody", { id: "device-rows" });
  const message = h("p", { class: "meta", role: "status" });
  async function load() {
    try {
      const { body } = await request("GET", "/api/v1/account/sessions");
      rows.replaceChildren(...body.items.map((row) => deviceRow(row)));
    } catch (error) {
      message.textContent = errorText(error);
    }
  }
  function deviceRow(row) {
    const name = deviceWords(row.user_agent);
    const button = h(
      "button",
      {
        type: "button",
        class: "secondary",
        "aria-label": row.current ? "Sign out this device" : `Sign out ${name}`,
      },
      "Sign out",
    );
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await request("DELETE", `/api/v1/account/sessions/${row.id}`);
        if (row.current) return signedOutHere();
        announce(`${name} is signed out.`);
        message.textContent = `${name} is signed out.`;
        await load();
      } catch (error) {
        message.textContent = errorText(error);
        button.disabled = false;
      }
    });
    return h(
      "tr",
      { "data-session": row.id },
      h(
        "th",
        { scope: "row" },
        name,
        row.current ? h("span", { class: "ref" }, "This device") : null,
      ),
      h("td", {}, when(row.created_at)),
      h("td", {}, relative(row.last_seen_at)),
      h("td", {}, button),
    );
  }
  load();
  return {
    load,
    card: h(
      "section",
      { class: "card", "aria-labelledby": "devices-heading" },
      h("h2", { id: "devices-heading" }, "My devices"),
      h(
        "p",
        {},
        "Where you are signed in now. Sign out any device you do not recognise, then change your password.",
      ),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { id: "devices" },
          h("caption", { class: "visually-hidden" }, "Signed-in devices"),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Device", "Signed in", "Last active", "Action"].map((t) =>
                h("th", { scope: "col" }, t),
              ),
            ),
          ),
          rows,
        ),
      ),
      message,
    ),
  };
}

/** The account page of `staff`; `enrol()` opens the two-step set-up, `signedOut()` the sign-in. */
export function renderAccount(main, staff, { enrol, signedOut }) {
  const devices = devicesCard(signedOut);
  show(
    main,
    "My account",
    h("h1", {}, "My account"),
    h("p", { class: "meta" }, `${staff.name} · ${staff.email} · ${staff.clinic.name}`),
    h(
      "div",
      { class: "narrow" },
      twoStepCard(staff, enrol),
      pushCard(),
      devices.card,
      passwordCard(devices.load),
    ),
  );
}
