// The patient app: start-up, the screens by URL fragment, and when to send queued check-ins.

import { speak } from "./api.js";
import * as data from "./data.js";
import { h, show } from "./dom.js";
import { LANG, keepLanguage, languageKept, languagePending, t, translateDocument } from "./i18n.js";
import { getMeta } from "./idb.js";
import { SYNC_TAG, flush, onChange } from "./outbox.js";
import { checkinScreen } from "./screens/checkin.js";
import { afterScreen, restScreen } from "./screens/dose_after.js";
import { doseCheckScreen } from "./screens/dose_check.js";
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
  // A home dose: the pre-dose check, the rest after it, the after-dose check (neutral words:
  // the address says nothing of what the screen is about).
  [/^#\/ready$/, () => doseCheckScreen(app)],
  [/^#\/rest$/, () => restScreen(app)],
  [/^#\/after$/, () => afterScreen(app)],
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
    t("app.error.title"),
    h("h1", {}, t("app.error.title")),
    h("p", {}, t("app.error.text")),
  );
}

/** Screens drawn from this phone's storage alone: crisis help never waits on the network. */
const LOCAL_SCREENS = new Set(["#/help", "#/done"]);
/** Screens drawn from this phone's storage once it knows it is signed in (check-ins, history). */
const LOCAL_WHEN_SIGNED_IN = /^#\/(checkin\/[a-z0-9_]+|history|ready|rest|after)$/;

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

/** The home-dosing plan from the server (kept on the phone); true when it changed. */
async function syncPlan(asked = null) {
  const before = JSON.stringify(await data.cachedDosingPlan());
  const after = await data.dosingPlan(asked);
  return before !== JSON.stringify(after);
}

/** Back online: send what is queued, and take the plan as it is now. */
function online() {
  send();
  if (!app.signedIn) return;
  syncPlan()
    .then((changed) => changed && (location.hash || "#/") === "#/" && route())
    .catch(() => undefined);
}

/** A newer profile came from the server: home, which shows it, is drawn again. */
function profileArrived(profile) {
  const before = JSON.stringify(app.profile);
  app.profile = profile;
  return before !== JSON.stringify(profile);
}

/**
 * The patient's record and this phone agree on the language. A switch made here (maybe
 * offline) goes to the record; a language the record has and this phone does not (the clinic
 * chose it, or another phone switched) is taken, and the page drawn again in it; a record
 * with none gets this phone's (the invite's, or the phone's languages). True when the page
 * is being reloaded in another language.
 */
async function settleLanguage(recorded) {
  if (languagePending() || !recorded) {
    try {
      await data.keepLanguageOnRecord(LANG);
      languageKept();
    } catch {
      // Offline or refused: the record hears of it at the next open.
    }
    return false;
  }
  if (recorded === LANG || !keepLanguage(recorded)) return false; // never a reload loop
  location.reload();
  return true;
}

async function start() {
  translateDocument();
  speak(LANG);
  registerServiceWorker();
  if (navigator.storage && navigator.storage.persist)
    navigator.storage.persist().catch(() => undefined);
  window.addEventListener("online", online);
  window.addEventListener("hashchange", () => route().catch(renderError));
  onChange(() => {
    if ((location.hash || "#/") === "#/") route().catch(renderError);
  });
  // First what this phone knows; the server's word on the session follows.
  app.signedIn = await getMeta("signed_in", false);
  app.profile = await data.cachedMe();
  const hash = location.hash || "#/";
  const local = drawnLocally(hash);
  if (local) {
    await route();
    markReady();
  }
  const checkin = hash.match(/^#\/checkin\/([a-z0-9_]+)$/);
  const early = !local && checkin ? data.prefetch(checkin[1]) : {};
  let session;
  try {
    session = await data.session();
  } catch (error) {
    if (local) return; // the screen on show stays; the next open asks the server again
    throw error;
  }
  const changed = session.signedIn !== app.signedIn || session.switched;
  app.signedIn = session.signedIn;
  if (app.signedIn && !session.offline && (await settleLanguage(session.language))) return;
  let fresh = null;
  if (app.signedIn) {
    app.profile = await data.cachedMe();
    send();
    // A failure keeps the copy on this phone; the screens say what needs the network.
    if (!session.offline) {
      fresh = Promise.all([
        data.me(early.me).then(profileArrived, () => false),
        syncPlan(early.plan).catch(() => false),
      ]).then(([profile, plan]) => profile || plan);
    }
  }
  if (!local) {
    // Nothing of this screen on the phone yet: it waits for the server's word.
    if (fresh) await fresh;
    await route();
    markReady();
  } else {
    if (changed) await route(); // signed out, or someone else: nothing of the previous patient stays
    if (fresh && (await fresh) && (location.hash || "#/") === "#/") await route();
  }
  // Every instrument onto this phone for offline check-ins, once the screen on show is drawn
  // (its own definition came first; the rest does not compete with it for the network).
  if (fresh) data.warmUp(app.profile);
}

start().catch(renderError);
