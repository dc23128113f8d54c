// The patient app: start-up, the screens by URL fragment, and when to send queued check-ins.

import * as data from "./data.js";
import { h, show } from "./dom.js";
import { SYNC_TAG, flush, onChange } from "./outbox.js";
import { checkinScreen } from "./screens/checkin.js";
import { doneScreen } from "./screens/done.js";
import { helpScreen } from "./screens/help.js";
import { historyScreen } from "./screens/history.js";
import { homeScreen, welcomeScreen } from "./screens/home.js";

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

/** Try to send what is queued (on open, on submit, when the phone comes back online). */
function send() {
  if (!app.signedIn) return Promise.resolve();
  flushing =
    flushing ||
    flush()
      .catch(() => undefined)
      .finally(() => {
        flushing = null;
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
    h("p", {}, "Please close the app and open it again. Your saved answers are still on this phone."),
  );
}

async function start() {
  registerServiceWorker();
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => undefined);
  const session = await data.session();
  app.signedIn = session.signedIn;
  if (app.signedIn) {
    app.profile = await data.cachedMe();
    if (!session.offline) {
      try {
        app.profile = await data.me();
        data.warmUp(app.profile);
      } catch {
        // Keep the copy on this phone; the screens say what needs the network.
      }
    }
    send();
  }
  window.addEventListener("online", send);
  window.addEventListener("hashchange", () => route().catch(renderError));
  onChange(() => {
    if ((location.hash || "#/") === "#/") route().catch(renderError);
  });
  await route();
  document.documentElement.dataset.ready = "true";
}

start().catch(renderError);
