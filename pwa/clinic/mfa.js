// Two-step sign-in set-up: the password again, the authenticator's QR code, its secret
// (grouped for typing) and otpauth link, a code to confirm, then the recovery codes, shown once.

import { getSession, request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { errorText } from "./format.js";
import { svgImage } from "./qr.js";

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
/**
 * A form of one field with its label, hint, error line and button: `submit(value)` runs on
 * submit and may throw an API error, shown under the field (the field gets the focus back).
 */
function oneFieldForm({ input, label, hint, button, labelledBy, submit }) {
  const error = h("p", { class: "error", role: "alert", id: `${input.id}-error` });
  input.setAttribute("aria-describedby", `${input.id}-hint ${input.id}-error`);
  input.required = true;
  const submitButton = h("button", { type: "submit" }, button);
  const form = h(
    "form",
    { class: "stack", "aria-labelledby": labelledBy },
    h(
      "div",
      { class: "field" },
      h("label", { for: input.id }, label),
      h("span", { class: "hint", id: `${input.id}-hint` }, hint),
      input,
    ),
    error,
    submitButton,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    submitButton.disabled = true;
    try {
      await submit(input.value);
    } catch (failure) {
      error.textContent = errorText(failure);
      submitButton.disabled = false;
      input.focus();
    }
  });
  return form;
}

export function renderEnrolment(main, { required, done }) {
  const form = oneFieldForm({
    input: h("input", {
      id: "totp-password",
      name: "current_password",
      type: "password",
      autocomplete: "current-password",
    }),
    label: "Your password",
    hint: "The one you sign in with: changing how you sign in needs it.",
    button: "Continue",
    labelledBy: "step-password",
    async submit(password) {
      const { body } = await request("POST", "/api/v1/account/totp", {
        current_password: password,
      });
      renderSecret(main, { required, done, start: body, currentPassword: password });
    },
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
  const form = oneFieldForm({
    input: h("input", {
      id: "totp-code",
      name: "code",
      inputmode: "numeric",
      autocomplete: "one-time-code",
      pattern: "[0-9 ]{6,7}",
      maxlength: "7",
    }),
    label: "Six-digit code from the app",
    hint: "The app shows a new code every 30 seconds.",
    button: "Confirm and turn on",
    labelledBy: "step-confirm",
    async submit(code) {
      const { body } = await request("POST", "/api/v1/account/totp/confirm", {
        code: code.replace(/\s/g, ""),
        current_password: currentPassword,
      });
      await getSession(); // a new session came with the answer: take its CSRF token
      renderRecoveryCodes(main, body.recovery_codes, done);
    },
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
      h("p", {}, "In the app, add an account and scan this QR code with the phone's camera."),
      h(
        "figure",
        { class: "totp-qr" },
        svgImage(start.otpauth_qr_svg, "QR code for your authenticator app", { id: "totp-qr" }),
      ),
      h(
        "p",
        {},
        "If the app cannot scan it, choose to enter a setup key instead and type this key (the spaces do not matter); the type is time-based.",
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
