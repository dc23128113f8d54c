// Staff (admins only): who works here with which role, invites by email, role changes,
// deactivation and reactivation (each confirmed first), and the on-call list.

import { ApiError, request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";
import { errorText, when } from "./format.js";

const ROLE_WORDS = { clinician: "Clinician", admin: "Admin" };

/** What the status column says of a member: the state, and for an invite its link's state. */
export function statusWords(member, now = Date.now()) {
  if (member.status === "active") return "Active";
  if (member.status === "deactivated") return "Deactivated";
  const invite = member.invite;
  if (!invite) return "Invite cancelled";
  if (invite.expired || Date.parse(invite.expires_at) <= now) return "Invite expired";
  if (!invite.sent_at) return "Invited · email on its way";
  return `Invited · link works until ${when(invite.expires_at)}`;
}

/**
 * Ask before a change that matters, in a modal dialog; resolves true when confirmed.
 * `danger` colours the confirm button as a destructive action.
 */
export function confirmDialog({ title, text, confirm, danger = false }) {
  return new Promise((resolve) => {
    const yes = h("button", { type: "button", class: danger ? "danger" : null }, confirm);
    const no = h("button", { type: "button", class: "secondary" }, "Cancel");
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-text" },
      h("h2", { id: "confirm-title" }, title),
      h("p", { id: "confirm-text" }, text),
      h("div", { class: "actions" }, yes, no),
    );
    const opener = document.activeElement;
    let answer = false;
    yes.addEventListener("click", () => {
      answer = true;
      dialog.close();
    });
    no.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

function field(id, label, input, hint) {
  input.id = id;
  input.setAttribute(
    "aria-describedby",
    [hint ? `${id}-hint` : "", `${id}-error`].join(" ").trim(),
  );
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null,
    input,
    h("p", { class: "field-error", id: `${id}-error` }),
  );
}

/** Show an API error's field messages beside their fields; the rest in `message`. */
function showErrors(form, error, message, ids) {
  const fields = (error instanceof ApiError && error.body && error.body.errors) || {};
  let placed = false;
  for (const [name, id] of Object.entries(ids)) {
    const slot = form.querySelector(`#${id}-error`);
    const text = fields[name] ? [fields[name]].flat().join(" ") : "";
    slot.textContent = text;
    form.querySelector(`#${id}`).setAttribute("aria-invalid", text ? "true" : "false");
    placed = placed || Boolean(text);
  }
  message.className = "error";
  message.textContent = placed ? error.body.message : errorText(error);
  const first = Object.entries(ids).find(([name]) => fields[name]);
  if (first) form.querySelector(`#${first[1]}`).focus();
}

function inviteCard(reload) {
  const name = h("input", { name: "name", autocomplete: "off", required: true, maxlength: "200" });
  const email = h("input", { name: "email", type: "email", autocomplete: "off", required: true });
  const role = h(
    "select",
    { name: "role" },
    h("option", { value: "clinician" }, "Clinician"),
    h("option", { value: "admin" }, "Admin"),
  );
  const message = h("p", { role: "status", id: "invite-message" });
  const button = h("button", { type: "submit" }, "Send invite");
  const ids = { name: "invite-name", email: "invite-email", role: "invite-role" };
  const form = h(
    "form",
    { class: "invite-form", "aria-labelledby": "invite-heading", novalidate: true },
    field(ids.name, "Name", name),
    field(ids.email, "Email", email, "The invite goes to this address."),
    field(ids.role, "Role", role, "Admins also manage staff and the clinic's settings."),
    h("div", { class: "invite-send" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    button.disabled = true;
    try {
      const { body } = await request("POST", "/api/v1/staff/invites", {
        name: name.value.trim(),
        email: email.value.trim(),
        role: role.value,
      });
      form.reset();
      for (const id of Object.values(ids)) {
        form.querySelector(`#${id}-error`).textContent = "";
        form.querySelector(`#${id}`).setAttribute("aria-invalid", "false");
      }
      message.className = "";
      message.textContent = `Invite sent to ${body.email}. The link works once, until ${when(body.invite.expires_at)}.`;
      await reload();
    } catch (error) {
      showErrors(form, error, message, ids);
    } finally {
      button.disabled = false;
    }
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "invite-heading" },
    h("h2", { id: "invite-heading" }, "Invite someone"),
    h(
      "p",
      {},
      "They get an email with a link to choose their own password and set up two-step sign-in. The link works once.",
    ),
    form,
    message,
  );
}

/** The actions of one member's row, each confirmed before it is sent. */
function memberActions(member, me, { run }) {
  const self = member.id === me.id;
  const who = self ? "yourself" : member.name;
  const buttons = [];
  const add = (label, aria, handler, cls = "secondary") => {
    const button = h("button", { type: "button", class: cls, "aria-label": aria }, label);
    button.addEventListener("click", () => handler(button));
    buttons.push(button);
  };
  if (member.status === "invited") {
    add("Send invite again", `Send the invite to ${member.name} again`, () =>
      run(
        {
          title: `Send the invite to ${member.name} again?`,
          text: "A new link goes to their email; the earlier link stops working.",
          confirm: "Send again",
        },
        "POST",
        `/api/v1/staff/${member.id}/invite`,
        `A new invite is on its way to ${member.email}.`,
      ),
    );
    if (member.invite) {
      add(
        "Cancel invite",
        `Cancel the invite of ${member.name}`,
        () =>
          run(
            {
              title: `Cancel the invite of ${member.name}?`,
              text: "The link in their email stops working. You can send a new invite later.",
              confirm: "Cancel invite",
              danger: true,
            },
            "POST",
            `/api/v1/staff/${member.id}/deactivate`,
            `The invite of ${member.name} is cancelled.`,
          ),
        "danger",
      );
    }
    return buttons;
  }
  const other = member.role === "admin" ? "clinician" : "admin";
  add(
    `Make ${ROLE_WORDS[other].toLowerCase()}`,
    `Make ${who} ${other === "admin" ? "an admin" : "a clinician"}`,
    () =>
      run(
        {
          title: `Make ${who} ${other === "admin" ? "an admin" : "a clinician"}?`,
          text:
            other === "admin"
              ? "Admins manage staff, the clinic's settings, the audit log and patients' data rights. They must use two-step sign-in."
              : `${self ? "You" : member.name} will no longer manage staff or the clinic's settings.`,
          confirm: `Make ${other}`,
        },
        "PATCH",
        `/api/v1/staff/${member.id}`,
        `${member.name} is now ${other === "admin" ? "an admin" : "a clinician"}.`,
        { role: other },
      ),
  );
  if (member.status === "active") {
    add(
      "Deactivate",
      `Deactivate ${who}`,
      () =>
        run(
          {
            title: `Deactivate ${who}?`,
            text: `${self ? "You are" : `${member.name} is`} signed out of every device at once and cannot sign in until an admin reactivates the account.`,
            confirm: "Deactivate",
            danger: true,
          },
          "POST",
          `/api/v1/staff/${member.id}/deactivate`,
          `${member.name} is deactivated and signed out everywhere.`,
        ),
      "danger",
    );
  } else {
    add("Reactivate", `Reactivate ${member.name}`, () =>
      run(
        {
          title: `Reactivate ${member.name}?`,
          text: "They can sign in again with their own password.",
          confirm: "Reactivate",
        },
        "POST",
        `/api/v1/staff/${member.id}/reactivate`,
        `${member.name} can sign in again.`,
      ),
    );
  }
  return buttons;
}

/** A cell that names its column too: the header row is hidden where rows become cards. */
function cell(label, text) {
  return h("td", {}, h("span", { class: "cell-label" }, `${label}: `), text);
}

function onCallBox(member, message) {
  if (member.status !== "active") return h("span", { class: "meta" }, "—");
  const box = h("input", {
    type: "checkbox",
    id: `on-call-${member.id}`,
    checked: member.on_call,
  });
  box.addEventListener("change", async () => {
    box.disabled = true;
    try {
      await request("PATCH", `/api/v1/clinic/staff/${member.id}`, { on_call: box.checked });
      const words = `${member.name} is ${box.checked ? "now on call" : "no longer on call"}.`;
      message.className = "";
      message.textContent = words; // a status region: read out without moving the focus
    } catch (error) {
      box.checked = !box.checked;
      message.className = "error";
      message.textContent = errorText(error);
    } finally {
      box.disabled = false;
    }
  });
  return h(
    "div",
    { class: "check" },
    box,
    h(
      "label",
      { for: box.id },
      h("span", { class: "visually-hidden" }, `${member.name} `),
      "On call",
    ),
  );
}

/** The Staff page for the signed-in admin `me`; `changed()` re-reads the session after a
 * change to one's own account, `signedOut()` when it ended this session. */
export async function renderStaff(main, me, { changed, signedOut }) {
  if (!me || me.role !== "admin") {
    show(
      main,
      "Staff",
      h("h1", {}, "Staff"),
      h("p", {}, "Only the clinic's admins manage staff accounts."),
    );
    return;
  }
  const rows = h("tbody", { id: "staff-rows" });
  const message = h("p", { role: "status", id: "staff-message" });

  async function run(question, method, path, done, body) {
    if (!(await confirmDialog(question))) return;
    try {
      await request(method, path, body);
      message.className = "";
      message.textContent = done;
    } catch (error) {
      message.className = "error";
      message.textContent = errorText(error);
      return;
    }
    if (Number(path.split("/")[4]) === me.id) {
      // One's own account changed: deactivated (signed out) or no longer an admin.
      if (path.endsWith("/deactivate")) return signedOut();
      return changed();
    }
    await load();
  }

  function row(member) {
    const self = member.id === me.id;
    return h(
      "tr",
      { "data-staff": member.id },
      h(
        "th",
        { scope: "row" },
        member.name,
        self ? h("span", { class: "ref" }, "You") : null,
        h("span", { class: "ref" }, member.email),
      ),
      cell("Role", ROLE_WORDS[member.role] || member.role),
      cell("Status", statusWords(member)),
      cell(
        "Two-step sign-in",
        member.status === "invited" ? "—" : member.totp_enabled ? "On" : "Off",
      ),
      h("td", {}, onCallBox(member, message)),
      h("td", {}, h("div", { class: "actions" }, memberActions(member, me, { run }))),
    );
  }

  async function load() {
    const { body } = await request("GET", "/api/v1/staff");
    rows.replaceChildren(...body.items.map(row));
  }

  await load();
  show(
    main,
    "Staff",
    h("h1", {}, "Staff"),
    h("p", { class: "meta" }, me.clinic ? me.clinic.name : ""),
    inviteCard(load),
    h(
      "section",
      { class: "card", "aria-labelledby": "staff-heading" },
      h("h2", { id: "staff-heading" }, "Staff and roles"),
      h(
        "p",
        { id: "on-call-help" },
        "An urgent or imminent alert nobody has acknowledged in time goes first to the staff on call, then to the admins.",
      ),
      message,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { id: "staff", class: "staff-table" },
          h("caption", { class: "visually-hidden" }, "Staff accounts"),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Name", "Role", "Status", "Two-step sign-in", "On call", "Actions"].map((t) =>
                h("th", { scope: "col" }, t),
              ),
            ),
          ),
          rows,
        ),
      ),
    ),
  );
}
