// A patient's invite as the clinic hands it over: a QR code to scan with the phone's camera,
// the link with a copy button, and sending it by email. The QR code comes drawn by the API
// (SVG in the JSON answer) and is shown as an image: an image runs no script.

import { request } from "/pwa/js/api.js";
import { h } from "/pwa/js/dom.js";
import { day, errorText } from "./format.js";
import { svgImage } from "./qr.js";

async function copyText(text, field) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (an http page, an old browser): the selected text, copied.
    field.focus();
    field.select();
    return document.execCommand && document.execCommand("copy");
  }
}

/**
 * The invite of `patient` (its `invite_url`, `invite_qr_svg`, `invite_expires_at` as the API
 * gave them): the QR code, the link with "Copy link", "Send by email" when the patient has an
 * address and "Send by text message" when they have a mobile number (through the clinic's SMS
 * service: the API refuses with a 409 if the clinic has none).
 */
export function invitePanel(patient, invite) {
  const status = h("p", { class: "meta", id: "invite-status", role: "status" });
  const field = h("input", {
    id: "invite-url",
    class: "invite-url",
    readonly: true,
    value: invite.invite_url,
    "aria-describedby": "invite-hint",
  });
  const copy = h("button", { type: "button", class: "secondary", id: "invite-copy" }, "Copy link");
  copy.addEventListener("click", async () => {
    const copied = await copyText(invite.invite_url, field);
    status.textContent = copied
      ? "Link copied."
      : "The link could not be copied: select it and copy it.";
  });
  const error = h("p", { class: "error", role: "alert", id: "invite-email-error" });
  const sender = (id, words, way) => {
    const button = h("button", { type: "button", id }, words);
    button.addEventListener("click", async () => {
      error.textContent = "";
      button.disabled = true;
      try {
        const { body } = await request("POST", `/api/v1/patients/${patient.id}/invite/${way}`, {
          invite_url: invite.invite_url,
        });
        // A status region of its own: screen readers hear it without a second announcement.
        status.textContent = `The invite is on its way to ${body.sent_to}.`;
      } catch (failure) {
        error.textContent = errorText(failure);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  };
  const send = patient.email
    ? sender("invite-send", `Send by email to ${patient.email}`, "email")
    : null;
  const text = patient.mobile_hint
    ? sender("invite-text", `Send by text message to ${patient.mobile_hint}`, "sms")
    : null;
  const expires = invite.invite_expires_at
    ? `It works once, until ${day(invite.invite_expires_at)}; making a new one stops this one.`
    : "It works once; making a new one stops this one.";
  return h(
    "div",
    { class: "invite", id: "invite" },
    h(
      "figure",
      { class: "invite-qr" },
      svgImage(invite.invite_qr_svg, "QR code of the invite link", { id: "invite-qr" }),
      h("figcaption", {}, "The patient scans this with their phone's camera."),
    ),
    h(
      "div",
      { class: "invite-link" },
      h("label", { for: "invite-url" }, "Or send them this link"),
      h("span", { class: "hint", id: "invite-hint" }, expires),
      field,
      h("div", { class: "actions" }, copy, send, text),
      patient.email || patient.mobile_hint
        ? null
        : h(
            "p",
            { class: "meta" },
            "No email address or mobile number on file: add one to send the link.",
          ),
      error,
      status,
    ),
  );
}
