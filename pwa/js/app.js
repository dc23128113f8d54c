// The patient app: start-up, the screens by URL fragment, and when to send queued check-ins.

import * as data from "./data.js";
import { h, show } from "./dom.js";
import { getMeta } from "./idb.js";
import { SYNC_TAG, flush, onChange } from "./outbox.js";
import { checkinScreen } from "./screens/checkin.js";
import { doneScreen } from "./screens/done.js";
import { helpScreen } from "./screens/help.js";
import { historyScreen } from "./screens/history.js";
import { homeScreen, welcomeScreen } from "./screens/home.js";
import { remindersScreen } from "./screens/reminders.js";

const app = {
  main: document.getElementById("main"),
  profile: null,
  signedIn: false,
  afterQueue,
};

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" });
  } catch {
    // The app still works online without it; offline needs it.
  }
}

let flushing = null;
let again = false;
let retryTimer = null;

/**
 * Try to send what is queued (on open, on submit, when the phone comes back online, and
 * once the wait a 429 asked for has passed).
 */
function send() {
  if (!app.signedIn) return Promise.resolve();
  if (flushing) {
    // A sender is under way with the queue as it was: go again after it for what came since.
    again = true;
    return flushing;
  }
  flushing = flush()
    .then((result) => {
      if (result && result.retryAfter && !retryTimer) {
        retryTimer = setTimeout(() => {
          retryTimer = null;
          send();
        }, result.retryAfter * 1000);
      }
    })
    .catch(() => undefined)
    .finally(() => {
      flushing = null;
      if (again) {
        again = false;
        send();
      }
    });
  return flushing;
}

/** A check-in was just queued: send it now, and ask for Background Sync as a back-up. */
function afterQueue() {
  send();
  if ("serviceWorker" in navigator && navigator.serviceWorker.controller) {
    navigator.serviceWorker.ready
      .then((registration) => registration.sync && registration.sync.register(SYNC_TAG))
      .catch(() => undefined);
  }
}

const ROUTES = [
  [/^#\/?$/, () => homeScreen(app)],
  [/^#\/checkin\/([a-z0-9_]+)$/, (m) => checkinScreen(app, m[1])],
  [/^#\/done$/, () => doneScreen(app)],
  [/^#\/history$/, () => historyScreen(app)],
  [/^#\/reminders$/, () => remindersScreen(app)],
  [/^#\/help$/, () => helpScreen(app)],
];

async function route() {
  const hash = location.hash || "#/";
  if (hash === "#/help") return helpScreen(app);
  if (!app.signedIn) return welcomeScreen(app);
  for (const [pattern, render] of ROUTES) {
    const match = hash.match(pattern);
    if (match) return render(match);
  }
  location.replace("#/");
}

function renderError() {
  show(
    app.main,
    "Something went wrong",
    h("h1", {}, "Something went wrong"),
    h(
      "p",
      {},
      "Please close the app and open it again. Your saved answers are still on this phone.",
    ),
  );
}

/** Screens drawn from this phone's storage alone: crisis help never waits on the network. */
const LOCAL_SCREENS = new Set(["#/help", "#/done"]);
/** Screens drawn from this phone's storage once it knows it is signed in (check-ins, history). */
const LOCAL_WHEN_SIGNED_IN = /^#\/(checkin\/[a-z0-9_]+|history)$/;

/** True when this phone holds all the screen at `hash` needs: it is drawn before any request. */
function drawnLocally(hash) {
  if (LOCAL_SCREENS.has(hash)) return true;
  if (!app.signedIn) return false;
  // Home needs the profile (what is due, the clinic's words); it is redrawn when a newer one comes.
  return LOCAL_WHEN_SIGNED_IN.test(hash) || (hash === "#/" && app.profile !== null);
}

function markReady() {
  document.documentElement.dataset.ready = "true";
}

/** A newer profile came from the server: home, which shows it, is drawn again. */
function profileArrived(profile) {
  const before = JSON.stringify(app.profile);
  app.profile = profile;
  data.warmUp(profile);
  return before !== JSON.stringify(profile);
}

async function start() {
  registerServiceWorker();
  if (navigator.storage && navigator.storage.persist)
    navigator.storage.persist().catch(() => undefined);
  window.addEventListener("online", send);
  window.addEventListener("hashchange", () => route().catch(renderError));
  onChange(() => {
    if ((location.hash || "#/") === "#/") route().catch(renderError);
  });
  // First what this phone knows; the server's word on the session follows.
  app.signedIn = await getMeta("signed_in", false);
  app.profile = await data.cachedMe();
  const local = drawnLocally(location.hash || "#/");
  if (local) {
    await route();
    markReady();
  }
  let session;
  try {
    session = await data.session();
  } catch (error) {
    if (local) return; // the screen on show stays; the next open asks the server again
    throw error;
  }
  const changed = session.signedIn !== app.signedIn || session.switched;
  app.signedIn = session.signedIn;
  let fresh = null;
  if (app.signedIn) {
    app.profile = await data.cachedMe();
    send();
    // A failure keeps the copy on this phone; the screens say what needs the network.
    if (!session.offline) fresh = data.me().then(profileArrived, () => false);
  }
  if (!local) {
    // Nothing of this screen on the phone yet: it waits for the server's word.
    if (fresh) await fresh;
    await route();
    markReady();
    return;
  }
  if (changed) await route(); // signed out, or someone else: nothing of the previous patient stays
  if (fresh && (await fresh) && (location.hash || "#/") === "#/") await route();
}

start().catch(renderError);
