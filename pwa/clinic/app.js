// The clinic views' shell: who is signed in, a small history router, the alert poll, and
// the two-step set-up that comes before anything else when the account must have it.

import { ApiError, getSession, request } from "/pwa/js/api.js";
import { announce } from "/pwa/js/dom.js";
import { renderAccount } from "./account.js";
import { renderAddPatient } from "./add_patient.js";
import { renderAlert, renderAlerts } from "./alerts.js";
import { renderAudit } from "./audit.js";
import { renderClinicAdmin } from "./clinic_admin.js";
import { renderForecastReport } from "./forecast_report.js";
import { renderLogin } from "./login.js";
import { renderEnrolment } from "./mfa.js";
import { renderPanel } from "./panel.js";
import { renderOutcomes } from "./outcomes.js";
import { renderPatient } from "./patient.js";
import { renderRemsDue, renderRemsRecord } from "./rems.js";
import { renderSettings } from "./settings.js";
import { renderStaff } from "./staff.js";
import { renderWelcome } from "./welcome.js";

const POLL_MS = 20000;
const main = document.getElementById("main");
let staff = null;
/** Signed in, but the server lets this account do nothing until two-step sign-in is set up. */
let mfaRequired = false;
let knownAlerts = null;
let knownOpen = 0;
let pollTimer = null;

/** The invite's page: shown whoever is signed in on this browser (accepting signs in anew). */
const WELCOME = /^\/clinic\/welcome\/?$/;
const ROUTES = [
  [/^\/clinic\/?$/, "panel", () => renderPanel(main)],
  [/^\/clinic\/alerts\/?$/, "alerts", () => renderAlerts(main)],
  [/^\/clinic\/alerts\/([0-9a-f-]{36})\/?$/, "alerts", (m) => renderAlert(main, m[1])],
  [/^\/clinic\/patients\/new\/?$/, "new-patient", () => renderAddPatient(main, staff)],
  [/^\/clinic\/patients\/([0-9a-f-]{36})\/?$/, "patient", (m) => renderPatient(main, m[1], staff)],
  [/^\/clinic\/rems\/?$/, "rems", () => renderRemsDue(main)],
  [/^\/clinic\/rems\/([0-9a-f-]{36})\/?$/, "rems", (m) => renderRemsRecord(main, m[1])],
  [/^\/clinic\/admin\/?$/, "clinic", () => renderClinicAdmin(main, staff)],
  [/^\/clinic\/settings\/?$/, "clinic", () => renderSettings(main, staff)],
  [/^\/clinic\/audit\/?$/, "clinic", () => renderAudit(main, staff)],
  [/^\/clinic\/outcomes\/?$/, "clinic", () => renderOutcomes(main)],
  [/^\/clinic\/forecast-report\/?$/, "clinic", () => renderForecastReport(main)],
  [/^\/clinic\/staff\/?$/, "staff", () => renderStaff(main, staff, { changed: start, signedOut })],
  [
    /^\/clinic\/account\/?$/,
    "account",
    () => renderAccount(main, staff, { enrol: enrolVoluntarily, signedOut }),
  ],
];

function enrolVoluntarily() {
  renderEnrolment(main, { required: false, done: start });
}

/** This device's session ended (signed out here, or from another device). */
function signedOut() {
  stopPolling();
  staff = null;
  mfaRequired = false;
  history.replaceState({}, "", "/clinic/");
  route();
}

function isMfaRefusal(error) {
  return (
    error instanceof ApiError &&
    error.status === 403 &&
    Boolean(error.body && error.body.reason === "mfa_enrolment_required")
  );
}

/** Show another clinic page without reloading. */
export function go(path) {
  history.pushState({}, "", path);
  route();
}

/** The page again with fresh data, e.g. when the session ended. */
export async function route() {
  if (WELCOME.test(location.pathname)) {
    showChrome(false);
    await renderWelcome(main, {
      done: () => {
        history.replaceState({}, "", "/clinic/");
        start();
      },
    });
    document.documentElement.dataset.ready = "true";
    return;
  }
  if (!staff) {
    showChrome(false);
    renderLogin(main, async () => {
      await start();
    });
    return;
  }
  if (mfaRequired) {
    showChrome(true, { navigation: false });
    stopPolling();
    await renderEnrolment(main, { required: true, done: start });
    document.documentElement.dataset.ready = "true";
    return;
  }
  showChrome(true);
  const path = location.pathname;
  const match = ROUTES.map(([re, name, render]) => [path.match(re), name, render]).find(([m]) => m);
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (match && link.dataset.nav === match[1]) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  try {
    if (match) await match[2](match[0]);
    else go("/clinic/");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      staff = null;
      route();
      return;
    }
    if (isMfaRefusal(error)) {
      // The clinic started requiring two-step sign-in while this page was open.
      mfaRequired = true;
      route();
      return;
    }
    throw error;
  } finally {
    document.documentElement.dataset.ready = "true";
  }
}

function showChrome(signedIn, { navigation = true } = {}) {
  document.getElementById("nav").hidden = !signedIn || !navigation;
  document.getElementById("who").hidden = !signedIn;
  document.getElementById("who-name").textContent = signedIn ? staff.name : "";
  document.getElementById("nav-staff").hidden = !(signedIn && staff.role === "admin");
}

async function pollAlerts() {
  try {
    const { body } = await request("GET", "/api/v1/cases?status=open&limit=200");
    // New alerts are new reasons, in a new case or one already open.
    const ids = new Set(body.items.flatMap((c) => c.alerts.map((a) => a.id)));
    // The count is the server's total: open cases beyond the first page count too.
    const open = Object.values(body.open).reduce((sum, n) => sum + n, 0);
    const badge = document.getElementById("alert-count");
    badge.hidden = open === 0;
    badge.textContent = `${open} open`;
    const freshIds = knownAlerts ? [...ids].filter((id) => !knownAlerts.has(id)) : [];
    // New alerts beyond the first page show in the total only.
    const fresh = knownAlerts ? Math.max(freshIds.length, open - knownOpen) : 0;
    knownAlerts = ids;
    knownOpen = open;
    if (fresh) {
      announce(`${fresh} new alert${fresh === 1 ? "" : "s"}.`);
      document.dispatchEvent(new CustomEvent("waypoint:new-alerts", { detail: freshIds }));
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signedOut();
    } else if (isMfaRefusal(error)) {
      mfaRequired = true;
      route();
    }
  }
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

async function start() {
  if (WELCOME.test(location.pathname)) return route(); // start() again once it is done
  const session = await getSession();
  staff = session.signed_in && session.kind === "staff" ? session.staff : null;
  mfaRequired = Boolean(staff && session.mfa_enrolment_required);
  if (staff && !mfaRequired && !pollTimer) {
    knownAlerts = null;
    await pollAlerts();
    pollTimer = setInterval(pollAlerts, POLL_MS);
  }
  await route();
}

// A case acknowledged or resolved on any screen: the nav's count follows at once, not at the
// next poll.
document.addEventListener("waypoint:case-changed", () => {
  if (pollTimer) pollAlerts();
});

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='/clinic']");
  if (!link || link.hasAttribute("download") || event.metaKey || event.ctrlKey || event.shiftKey)
    return;
  event.preventDefault();
  go(link.getAttribute("href"));
});
window.addEventListener("popstate", route);
document.getElementById("sign-out").addEventListener("click", async () => {
  try {
    await request("POST", "/api/v1/auth/logout");
  } finally {
    signedOut();
  }
});

start();
