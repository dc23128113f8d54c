// The clinic views' shell: who is signed in, a small history router, the alert poll.

import { ApiError, getSession, request } from "/pwa/js/api.js";
import { announce } from "/pwa/js/dom.js";
import { renderAlerts } from "./alerts.js";
import { renderLogin } from "./login.js";
import { renderPanel } from "./panel.js";
import { renderPatient } from "./patient.js";

const POLL_MS = 20000;
const main = document.getElementById("main");
let staff = null;
let knownAlerts = null;
let pollTimer = null;

const ROUTES = [
  [/^\/clinic\/?$/, "panel", () => renderPanel(main)],
  [/^\/clinic\/alerts\/?$/, "alerts", () => renderAlerts(main)],
  [/^\/clinic\/patients\/([0-9a-f-]{36})\/?$/, "patient", (m) => renderPatient(main, m[1])],
];

/** Show another clinic page without reloading. */
export function go(path) {
  history.pushState({}, "", path);
  route();
}

/** The page again with fresh data, e.g. when the session ended. */
export async function route() {
  if (!staff) {
    showChrome(false);
    renderLogin(main, async () => {
      await start();
    });
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
    throw error;
  } finally {
    document.documentElement.dataset.ready = "true";
  }
}

function showChrome(signedIn) {
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("who").hidden = !signedIn;
  document.getElementById("who-name").textContent = signedIn ? staff.name : "";
}

async function pollAlerts() {
  try {
    const { body } = await request("GET", "/api/v1/alerts?status=open");
    const ids = new Set(body.items.map((a) => a.id));
    const badge = document.getElementById("alert-count");
    badge.hidden = ids.size === 0;
    badge.textContent = `${ids.size} open`;
    const fresh = knownAlerts ? [...ids].filter((id) => !knownAlerts.has(id)) : [];
    knownAlerts = ids;
    if (fresh.length) {
      announce(`${fresh.length} new alert${fresh.length === 1 ? "" : "s"}.`);
      document.dispatchEvent(new CustomEvent("waypoint:new-alerts", { detail: fresh }));
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      stopPolling();
      staff = null;
      route();
    }
  }
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

async function start() {
  const session = await getSession();
  staff = session.signed_in && session.kind === "staff" ? session.staff : null;
  if (staff && !pollTimer) {
    knownAlerts = null;
    await pollAlerts();
    pollTimer = setInterval(pollAlerts, POLL_MS);
  }
  await route();
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='/clinic']");
  if (!link || link.hasAttribute("download") || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  go(link.getAttribute("href"));
});
window.addEventListener("popstate", route);
document.getElementById("sign-out").addEventListener("click", async () => {
  try {
    await request("POST", "/api/v1/auth/logout");
  } finally {
    stopPolling();
    staff = null;
    history.replaceState({}, "", "/clinic/");
    route();
  }
});

start();
