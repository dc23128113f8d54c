// Staff sign-in: email and password, and the authenticator code when the account asks for it.

import { ApiError, request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";

/** The sign-in form; `done()` runs once the session exists. */
export function renderLogin(main, done) {
  const error = h("p", { class: "error", role: "alert", id: "login-error" });
  const email = h("input", {
    id: "email",
    name: "email",
    type: "email",
    autocomplete: "username",
    required: true,
  });
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const totp = h("input", {
    id: "totp",
    name: "totp",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    // Browsers compile `pattern` with the regex v flag, where a bare "-" in a class is an
    // error (and the whole pattern is then ignored): it is escaped.
    pattern: "[0-9 ]{6,8}|[A-Za-z0-9\\-]{8,32}",
    "aria-describedby": "totp-hint",
  });
  const totpField = h(
    "div",
    { class: "field", hidden: true },
    h("label", { for: "totp" }, "Code from your authenticator app"),
    h("span", { class: "hint", id: "totp-hint" }, "Six digits, or a recovery code."),
    totp,
  );
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { novalidate: false },
    h("div", { class: "field" }, h("label", { for: "email" }, "Email"), email),
    h("div", { class: "field" }, h("label", { for: "password" }, "Password"), password),
    totpField,
    error,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    button.disabled = true;
    const body = { email: email.value.trim(), password: password.value };
    if (!totpField.hidden && totp.value.trim()) body.totp = totp.value.trim();
    try {
      await request("POST", "/api/v1/auth/login", body);
      await done();
    } catch (failure) {
      const reason = failure instanceof ApiError && failure.body && failure.body.reason;
      if (failure.status === 401 && reason === "totp_required") {
        totpField.hidden = false;
        totp.focus();
      }
      error.textContent =
        failure instanceof ApiError ? failure.message : "Waypoint could not be reached. Try again.";
    } finally {
      button.disabled = false;
    }
  });
  show(
    main,
    "Sign in",
    h("section", { class: "card login" }, h("h1", {}, "Sign in to the clinic"), form),
  );
}
