// Add a patient: name, email, mobile, time zone and care team; it ends in the patient's
// invite, as a QR code to scan, a link to copy, an email or a text message to send.

import { request } from "/pwa/js/api.js";
import { announce, h, show } from "/pwa/js/dom.js";
import { showFieldErrors } from "./field_errors.js";
import { invitePanel } from "./invite_panel.js";

function zones() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
}

function field(id, label, control, hint) {
  if (hint) control.setAttribute("aria-describedby", `${id}-hint`);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null,
    control,
  );
}

/** The form; `me` is the signed-in staff member (ticked in the care team by default). */
export async function renderAddPatient(main, me) {
  const { body: staffList } = await request("GET", "/api/v1/clinic/staff");
  const name = h("input", {
    id: "new-name",
    name: "display_name",
    required: true,
    maxlength: "200",
    autocomplete: "off",
  });
  const email = h("input", {
    id: "new-email",
    name: "email",
    type: "email",
    maxlength: "254",
    autocomplete: "off",
  });
  const mobile = h("input", {
    id: "new-mobile",
    name: "mobile",
    type: "tel",
    maxlength: "40",
    autocomplete: "off",
  });
  const zone = h("input", {
    id: "new-timezone",
    name: "timezone",
    list: "timezones",
    autocomplete: "off",
    placeholder: "America/New_York",
  });
  // The patient app's language: the invite opens in it (the app's switch can change it later).
  const language = h(
    "select",
    { id: "new-language", name: "language" },
    h("option", { value: "" }, "The phone's language"),
    h("option", { value: "en" }, "English"),
    h("option", { value: "es", lang: "es" }, "Español (Spanish)"),
  );
  const team = staffList.items
    .filter((member) => member.active)
    .map((member) =>
      h(
        "label",
        { class: "check", for: `team-${member.id}` },
        h("input", {
          type: "checkbox",
          id: `team-${member.id}`,
          value: String(member.id),
          checked: me && member.id === me.id,
        }),
        member.name,
      ),
    );
  const summary = h("p", { class: "error", role: "alert", id: "new-patient-error" });
  const save = h("button", { type: "submit" }, "Add patient and make an invite");
  const form = h(
    "form",
    { id: "new-patient", "aria-labelledby": "new-patient-heading" },
    h(
      "div",
      { class: "form-grid" },
      field(
        "new-name",
        "Name",
        name,
        "As the care team knows the patient; never shown outside Waypoint.",
      ),
      field("new-email", "Email (optional)", email, "To send the invite; it can be added later."),
      field(
        "new-mobile",
        "Mobile number (optional)",
        mobile,
        "With its country code, e.g. +1 202 555 0123: to text the invite, and for text reminders if the patient chooses them.",
      ),
      field(
        "new-timezone",
        "Time zone (optional)",
        zone,
        "Where the patient lives, for when check-ins fall due. Empty: the clinic's.",
      ),
      field(
        "new-language",
        "App language",
        language,
        "The language of the patient's app and reminders; empty: the phone's own (English or Spanish).",
      ),
      h(
        "datalist",
        { id: "timezones" },
        zones().map((z) => h("option", { value: z })),
      ),
      h(
        "fieldset",
        { class: "wide", "data-error-for": "care_team" },
        h("legend", {}, "Care team"),
        team,
      ),
    ),
    summary,
    h("div", { class: "actions" }, save),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      display_name: name.value.trim(),
      email: email.value.trim() || null,
      mobile: mobile.value.trim() || null,
      timezone: zone.value.trim() || null,
      language: language.value || null,
      care_team: [...form.querySelectorAll("fieldset input:checked")].map((b) => Number(b.value)),
    };
    save.disabled = true;
    try {
      const { body: enrolled } = await request("POST", "/api/v1/patients", body);
      renderInvite(main, enrolled);
    } catch (failure) {
      showFieldErrors(form, failure, summary);
      save.disabled = false;
    }
  });
  show(
    main,
    "Add a patient",
    h("p", {}, h("a", { href: "/clinic/" }, "← All patients")),
    h("h1", { id: "new-patient-heading" }, "Add a patient"),
    h("section", { class: "card" }, form),
  );
}

/** The end of enrolment: the invite to hand over, and the way to the patient's page. */
function renderInvite(main, enrolled) {
  const { patient } = enrolled;
  show(
    main,
    "Invite",
    h("h1", {}, `${patient.display_name} is added`),
    h(
      "section",
      { class: "card", "aria-labelledby": "invite-heading" },
      h("h2", { id: "invite-heading" }, `Invite ${patient.ref} to Waypoint`),
      invitePanel(patient, enrolled),
    ),
    h(
      "p",
      { class: "actions" },
      h(
        "a",
        { class: "button", href: `/clinic/patients/${patient.id}` },
        "Open the patient's page",
      ),
      h("a", { class: "button secondary", href: "/clinic/patients/new" }, "Add another patient"),
    ),
  );
  announce(`${patient.display_name} is added. Their invite is ready.`);
}
