// Waypoint's service worker: the app shell for offline use (instrument definitions are kept by
// the app itself, in IndexedDB, next to the drafts asked with them),
// Background Sync for queued check-ins (where the browser has it), and Web Push notifications:
// patients' reminders and, for staff who opted in from the clinic views, alert notifications.
// It handles only the patient app's own files; everything else goes to the network untouched.

import { fromPush, safeUrl } from "/pwa/js/notification.js";
import { SYNC_TAG, flush } from "/pwa/js/outbox.js";

const VERSION = "5";
const SHELL = `waypoint-shell-${VERSION}`;
/** Caches of earlier versions that hold nothing the app still reads. */
const RETIRED = new Set(["waypoint-instruments"]);
const NETWORK_TIMEOUT_MS = 4000;
/** The app itself opens from the cache after this long without an answer (crisis help is in it). */
const NAVIGATION_TIMEOUT_MS = 1500;

const SHELL_FILES = [
  "/",
  "/manifest.webmanifest",
  "/pwa/css/app.css",
  "/pwa/js/api.js",
  "/pwa/js/app.js",
  "/pwa/js/chart.js",
  "/pwa/js/data.js",
  "/pwa/js/dom.js",
  "/pwa/js/doses.js",
  "/pwa/js/dosing.js",
  "/pwa/js/i18n.js",
  "/pwa/js/idb.js",
  "/pwa/js/notification.js",
  "/pwa/js/outbox.js",
  "/pwa/js/push.js",
  "/pwa/js/rules.js",
  "/pwa/js/stop.js",
  "/pwa/js/words.js",
  "/pwa/js/words/en.js",
  "/pwa/js/words/es.js",
  "/pwa/js/screens/checkin.js",
  "/pwa/js/screens/crisis.js",
  "/pwa/js/screens/done.js",
  "/pwa/js/screens/dose_after.js",
  "/pwa/js/screens/dose_check.js",
  "/pwa/js/screens/help.js",
  "/pwa/js/screens/history.js",
  "/pwa/js/screens/home.js",
  "/pwa/js/screens/reminders.js",
  "/pwa/js/screens/retake.js",
  "/pwa/icons/icon-192.png",
  "/pwa/icons/icon-512.png",
  "/pwa/icons/maskable-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(SHELL_FILES))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((k) => (k.startsWith("waypoint-shell-") && k !== SHELL) || RETIRED.has(k))
            .map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

/**
 * {response, cached}: the network's answer (kept in `cacheName`), or the cached copy when the
 * network fails or has not answered within `timeout` ms.
 */
async function networkFirst(
  request,
  cacheName,
  { cacheKey = request, timeout = NETWORK_TIMEOUT_MS } = {},
) {
  const cache = await caches.open(cacheName);
  const fromNetwork = fetch(request).then((response) => {
    if (response.ok) cache.put(cacheKey, response.clone());
    return response;
  });
  fromNetwork.catch(() => undefined); // handled below; keeps a late failure from being reported
  const timer = new Promise((resolve) => {
    setTimeout(resolve, timeout, null);
  });
  try {
    const response = await Promise.race([fromNetwork, timer]);
    if (response) return { response, cached: false };
  } catch {
    // Offline: fall through to the cache.
  }
  const cached = await cache.match(cacheKey, { ignoreSearch: true, ignoreVary: true });
  return cached
    ? { response: cached, cached: true }
    : { response: await fromNetwork, cached: false };
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

/**
 * Pages (client ids) opened from the cache because the network failed or stalled: their own
 * files come from the cache at once too, the same version as the page, instead of each level of
 * imports waiting out the network again. Lost when the worker stops; then they are only slower.
 */
const openedFromCache = new Set();

async function openPage(event) {
  const { response, cached } = await networkFirst(event.request, SHELL, {
    cacheKey: "/",
    timeout: NAVIGATION_TIMEOUT_MS,
  });
  if (event.resultingClientId) {
    if (cached) openedFromCache.add(event.resultingClientId);
    else openedFromCache.delete(event.resultingClientId);
  }
  self.clients
    .matchAll({ includeUncontrolled: true })
    .then((windows) => {
      const open = new Set(windows.map((w) => w.id));
      for (const id of openedFromCache)
        if (!open.has(id) && id !== event.resultingClientId) openedFromCache.delete(id);
    })
    .catch(() => undefined);
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (request.mode === "navigate") {
    if (path === "/") event.respondWith(openPage(event));
    return;
  }
  if (path.startsWith("/pwa/vendor/")) {
    event.respondWith(cacheFirst(request));
  } else if (/^\/pwa\/(js|css|icons)\//.test(path) || path === "/manifest.webmanifest") {
    event.respondWith(
      openedFromCache.has(event.clientId)
        ? cacheFirst(request)
        : networkFirst(request, SHELL).then(({ response }) => response),
    );
  }
  // Definitions go to the network untouched: the app keeps its own copy and refreshes it in
  // the background, and a cached answer here could put an older version over a newer one.
});

self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(
    flush().then((result) => {
      // Rejecting asks the browser to try again later, with its own backoff.
      if (result.waiting) throw new Error("Check-ins are still waiting to be sent.");
    }),
  );
});

self.addEventListener("push", (event) => {
  // The server's words (never a score, an answer or a name), or the reminder's when it sent none.
  let raw = null;
  try {
    raw = event.data ? event.data.text() : null;
  } catch {
    // Unreadable data: the reminder's words.
  }
  const shown = fromPush(raw, self.location.origin);
  event.waitUntil(
    self.registration.showNotification(shown.title, {
      body: shown.body,
      icon: "/pwa/icons/icon-192.png",
      // One per delivery (worker/channels/content.py): a repeated send replaces it, silently.
      tag: shown.tag,
      data: { url: shown.url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const target = new URL(safeUrl(data.url, self.location.origin), self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => w.url === target);
      return open ? open.focus() : self.clients.openWindow(target);
    }),
  );
});
