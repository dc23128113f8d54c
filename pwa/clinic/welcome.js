// The invite's page: who invited whom, the new password (twice), then two-step set-up.
// The link's token is in the URL's fragment, which browsers never send: it is read once,
// dropped from the address bar and history, and sent only in the bodies of two POSTs.

import { ApiError, getSession, request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { errorText, when } from "./format.js";
import { renderEnrolment } from "./mfa.js";

const ROLE_WORDS = { clinician: "a clinician", admin: "an administrator" };

/** The invite token of a fragment such as "#invite=abc", or null. */
export function inviteToken(hash) {
  const value = new URLSearchParams((hash || "").replace(/^#/, "")).get("invite");
  return value && /^[A-Za-z0-9_-]{16,200}$/.test(value) ? value : null;
}

let heldToken = null;

function notValid(main, text) {
  show(
    main,
    "Invite",
    h(
      "section",
      { class: "card narrow" },
      h("h1", {}, "This invite link does not work"),
      h("p", { id: "invite-problem" }, text),
      h("p", {}, h("a", { href: "/clinic/" }, "Go to the sign-in page")),
    ),
  );
}

function passwordField(id, label, hint) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null,
    h("input", {
      id,
      name: id,
      type: "password",
      autocomplete: "new-password",
      required: true,
      "aria-describedby": [hint ? `${id}-hint` : "", `${id}-error`].join(" ").trim(),
    }),
    h("p", { class: "field-error", id: `${id}-error` }),
  );
}

/** The accept-invite page; `done()` runs once the password and two-step set-up are done. */
export async function renderWelcome(main, { done }) {
  const fresh = inviteToken(location.hash);
  if (fresh) {
    heldToken = fresh;
    history.replaceState({}, "", "/clinic/welcome"); // the token leaves the address bar
  }
  const token = heldToken;
  if (!token) {
    notValid(
      main,
      "Open the link from your invitation email again, or ask your clinic's administrator for a new invite.",
    );
    return;
  }
  let invite;
  try {
    ({ body: invite } = await request("POST", "/api/v1/staff/invite/preview", { token }));
  } catch (error) {
    notValid(main, error instanceof ApiError && error.body ? error.body.message : errorText(error));
    return;
  }
  const message = h("p", { role: "alert", id: "welcome-message", class: "error" });
  const button = h("button", { type: "submit" }, "Set password and continue");
  const form = h(
    "form",
    { class: "stack", "aria-labelledby": "welcome-password" },
    // For password managers: the account the new password belongs to.
    h(
      "div",
      { class: "field" },
      h("label", { for: "welcome-email" }, "Email"),
      h("input", {
        id: "welcome-email",
        name: "username",
        type: "email",
        autocomplete: "username",
        value: invite.email,
        readonly: true,
      }),
    ),
    passwordField(
      "welcome-new-password",
      "New password",
      "At least 12 characters; a few unrelated words work well.",
    ),
    passwordField("welcome-repeat-password", "New password again"),
    message,
    button,
  );
  const password = form.querySelector("#welcome-new-password");
  const repeat = form.querySelector("#welcome-repeat-password");
  const passwordError = form.querySelector("#welcome-new-password-error");
  const repeatError = form.querySelector("#welcome-repeat-password-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = passwordError.textContent = repeatError.textContent = "";
    password.setAttribute("aria-invalid", "false");
    repeat.setAttribute("aria-invalid", "false");
    if (password.value !== repeat.value) {
      repeatError.textContent = "The two passwords are not the same.";
      repeat.setAttribute("aria-invalid", "true");
      repeat.focus();
      return;
    }
    button.disabled = true;
    try {
      await request("POST", "/api/v1/staff/invite/accept", { token, password: password.value });
    } catch (error) {
      button.disabled = false;
      const fields = (error instanceof ApiError && error.body && error.body.errors) || {};
      if (fields.password) {
        passwordError.textContent = [fields.password].flat().join(" ");
        password.setAttribute("aria-invalid", "true");
        password.focus();
      } else if (fields.token) {
        heldToken = null;
        notValid(main, error.body.message);
      } else {
        message.textContent = errorText(error);
      }
      return;
    }
    heldToken = null;
    await getSession(); // the new session's CSRF token
    renderEnrolment(main, { required: true, done });
  });
  show(
    main,
    "Welcome",
    h(
      "section",
      { class: "card narrow" },
      h("h1", {}, `Welcome to Waypoint, ${invite.name}`),
      h(
        "p",
        {},
        `${invite.clinic} invited you as ${ROLE_WORDS[invite.role] || invite.role}. This link works until ${when(invite.expires_at)}.`,
      ),
      h("h2", { id: "welcome-password" }, "1. Choose your password"),
      h("p", {}, "Then you set up two-step sign-in with an authenticator app on your phone."),
      form,
    ),
  );
}
