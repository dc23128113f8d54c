// A patient's data rights, for the clinic's administrators: everything held about them as one
// file (their right of access), and erasure, confirmed by typing the patient's reference.

import { request } from "/pwa/js/api.js";
import { announce, h, show } from "/pwa/js/dom.js";
import { errorText } from "./format.js";
import { showFieldErrors } from "./field_errors.js";

/** Save `text` as a file named `filename` (the export is JSON from an authenticated GET). */
function saveFile(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const ERASED_WORDS = {
  checkins: "check-ins",
  safety_signals: "safety answers",
  alerts: "alerts",
  deliveries: "notifications",
  treatment_sessions: "sessions",
  device_sessions: "devices",
  invites: "invites",
};

function erasureForm(main, patient) {
  const confirm = h("input", {
    id: "erase-confirm",
    name: "confirm_ref",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "erase-confirm-hint",
  });
  const summary = h("p", { class: "error", role: "alert", id: "erase-error" });
  const button = h("button", { type: "submit", class: "danger" }, "Erase permanently");
  const form = h(
    "form",
    { id: "erase-form", "aria-labelledby": "erase-heading" },
    h("h3", { id: "erase-heading" }, "Erase this patient"),
    h(
      "p",
      { class: "notice" },
      "Erasure deletes the patient and everything recorded about them: check-ins, alerts, ",
      "sessions, devices and invites. It cannot be undone. The audit log keeps only that it ",
      "happened, by whom, with ids and no content. Download the export first if it must be kept.",
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "erase-confirm" }, "Type the patient's reference to confirm"),
      h("span", { class: "hint", id: "erase-confirm-hint" }, `It is ${patient.ref}.`),
      confirm,
    ),
    summary,
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      const { body } = await request("POST", `/api/v1/admin/patients/${patient.id}/erase`, {
        confirm_ref: confirm.value.trim(),
      });
      const removed = Object.entries(ERASED_WORDS)
        .map(([key, words]) => `${body[key] || 0} ${words}`)
        .join(", ");
      show(
        main,
        "Patient erased",
        h("h1", {}, `${patient.ref} is erased`),
        h("p", { id: "erased" }, `Deleted: ${removed}.`),
        h("p", {}, h("a", { href: "/clinic/" }, "← All patients")),
      );
      announce(`${patient.ref} is erased.`);
    } catch (failure) {
      showFieldErrors(form, failure, summary);
      button.disabled = false;
    }
  });
  return form;
}

/** The card on the patient's page (shown to admins only: the API refuses anyone else). */
export function patientDataCard(main, patient) {
  const status = h("p", { class: "meta", role: "status" });
  const exportButton = h(
    "button",
    { type: "button", class: "secondary", id: "export-all" },
    "Download everything held (JSON)",
  );
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    try {
      const { body } = await request("GET", `/api/v1/admin/patients/${patient.id}/export`);
      saveFile(
        JSON.stringify(body, null, 2),
        `waypoint-${patient.ref}-export.json`,
        "application/json",
      );
      status.textContent = "The export is downloaded.";
    } catch (failure) {
      status.textContent = errorText(failure);
    } finally {
      exportButton.disabled = false;
    }
  });
  const holder = h("div", {});
  const eraseButton = h("button", { type: "button", class: "danger", id: "erase-start" }, "Erase…");
  eraseButton.addEventListener("click", () => {
    eraseButton.hidden = true;
    holder.replaceChildren(erasureForm(main, patient));
    holder.querySelector("input").focus();
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "data-heading", id: "patient-data" },
    h("h2", { id: "data-heading" }, "The patient's data"),
    h(
      "p",
      {},
      "For a request of access: the profile, every check-in, session, alert and sign-in, the ",
      "access log and a FHIR R4 bundle, in one file.",
    ),
    h("div", { class: "actions" }, exportButton, eraseButton),
    status,
    holder,
  );
}
