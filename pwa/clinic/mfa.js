// Two-step sign-in set-up: the password again, the authenticator's secret (grouped for
// typing) and its otpauth link, a code to confirm, then the recovery codes, shown this once.

import { getSession, request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { errorText } from "./format.js";

/** "JBSW Y3DP EHPK 3PXP": a Base32 secret in groups of four, easier to type. */
export function grouped(secret) {
  return secret.match(/.{1,4}/g).join(" ");
}

function intro(required) {
  return h(
    "p",
    {},
    required
      ? "Before you continue, your account needs a second step at sign-in: a six-digit code from an authenticator app on your phone. "
      : "Add a second step at sign-in: a six-digit code from an authenticator app on your phone. ",
    "Any authenticator app works, for example Google Authenticator, Microsoft Authenticator, 1Password or Aegis.",
  );
}

/**
 * The set-up screen; `required` when nothing else is reachable until it is done.
 * It asks for the password first (the server wants it to start and to confirm: a session
 * alone cannot change how the account signs in). `done()` runs once the codes are saved.
 */
export function renderEnrolment(main, { required, done }) {
  const error = h("p", { class: "error", role: "alert", id: "totp-password-error" });
  const password = h("input", {
    id: "totp-password",
    name: "current_password",
    type: "password",
    autocomplete: "current-password",
    required: true,
    "aria-describedby": "totp-password-hint totp-password-error",
  });
  const button = h("button", { type: "submit" }, "Continue");
  const form = h(
    "form",
    { class: "stack", "aria-labelledby": "step-password" },
    h(
      "div",
      { class: "field" },
      h("label", { for: "totp-password" }, "Your password"),
      h(
        "span",
        { class: "hint", id: "totp-password-hint" },
        "The one you sign in with: changing how you sign in needs it.",
      ),
      password,
    ),
    error,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    button.disabled = true;
    try {
      const { body } = await request("POST", "/api/v1/account/totp", {
        current_password: password.value,
      });
      renderSecret(main, { required, done, start: body, currentPassword: password.value });
    } catch (failure) {
      error.textContent = errorText(failure);
      button.disabled = false;
      password.focus();
    }
  });
  show(
    main,
    "Two-step sign-in",
    h(
      "section",
      { class: "card narrow" },
      h("h1", {}, "Set up two-step sign-in"),
      intro(required),
      h("h2", { id: "step-password" }, "First, confirm it is you"),
      form,
    ),
  );
}

/** The authenticator's secret and link, then a code to confirm (with the same password). */
function renderSecret(main, { required, done, start, currentPassword }) {
  const error = h("p", { class: "error", role: "alert", id: "totp-error" });
  const code = h("input", {
    id: "totp-code",
    name: "code",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9 ]{6,7}",
    maxlength: "7",
    required: true,
    "aria-describedby": "totp-code-hint totp-error",
  });
  const button = h("button", { type: "submit" }, "Confirm and turn on");
  const form = h(
    "form",
    { class: "stack", "aria-labelledby": "step-confirm" },
    h(
      "div",
      { class: "field" },
      h("label", { for: "totp-code" }, "Six-digit code from the app"),
      h(
        "span",
        { class: "hint", id: "totp-code-hint" },
        "The app shows a new code every 30 seconds.",
      ),
      code,
    ),
    error,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    button.disabled = true;
    try {
      const { body } = await request("POST", "/api/v1/account/totp/confirm", {
        code: code.value.replace(/\s/g, ""),
        current_password: currentPassword,
      });
      await getSession(); // a new session came with the answer: take its CSRF token
      renderRecoveryCodes(main, body.recovery_codes, done);
    } catch (failure) {
      error.textContent = errorText(failure);
      button.disabled = false;
      code.focus();
    }
  });
  show(
    main,
    "Two-step sign-in",
    h(
      "section",
      { class: "card narrow" },
      h("h1", {}, "Set up two-step sign-in"),
      intro(required),
      h("h2", { id: "step-key" }, "1. Add Waypoint to your authenticator app"),
      h(
        "p",
        {},
        "In the app, add an account and choose to enter a setup key. Type this key (the spaces do not matter); the type is time-based.",
      ),
      h("p", { class: "secret", id: "totp-secret" }, grouped(start.secret)),
      h(
        "p",
        {},
        "On the phone itself, you can instead open ",
        h("a", { href: start.otpauth_uri, id: "totp-link" }, "this setup link"),
        " with the authenticator app.",
      ),
      h("h2", { id: "step-confirm" }, "2. Enter the code the app shows"),
      form,
    ),
  );
}

/** The recovery codes, once, with a clear "save these now" and a check before moving on. */
export function renderRecoveryCodes(main, codes, done) {
  const saved = h("input", { type: "checkbox", id: "codes-saved" });
  const next = h(
    "button",
    { type: "button", id: "codes-done", disabled: true },
    "Continue to Waypoint",
  );
  saved.addEventListener("change", () => {
    next.disabled = !saved.checked;
  });
  next.addEventListener("click", () => done());
  const print = h("button", { type: "button", class: "secondary" }, "Print");
  print.addEventListener("click", () => window.print());
  show(
    main,
    "Recovery codes",
    h(
      "section",
      { class: "card narrow recovery" },
      h("h1", {}, "Save your recovery codes now"),
      h(
        "p",
        { class: "notice" },
        "This is the only time Waypoint shows these codes. If you lose your phone, each code signs you in once instead of a code from the app. ",
        "Print them or write them down, and keep them somewhere safe away from this computer.",
      ),
      h(
        "ol",
        { class: "codes", id: "recovery-codes" },
        codes.map((c) => h("li", {}, h("code", {}, c))),
      ),
      h("div", { class: "actions" }, print),
      h(
        "div",
        { class: "check" },
        saved,
        h("label", { for: "codes-saved" }, "I have saved my recovery codes"),
      ),
      next,
    ),
  );
}
