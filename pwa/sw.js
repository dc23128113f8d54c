// Waypoint's service worker: the app shell and instrument definitions for offline use,
// Background Sync for queued check-ins (where the browser has it), and Web Push notifications:
// patients' reminders and, for staff who opted in from the clinic views, alert notifications.
// It handles only the patient app's own files; everything else goes to the network untouched.

import { fromPush, safeUrl } from "/pwa/js/notification.js";
import { SYNC_TAG, flush } from "/pwa/js/outbox.js";

const VERSION = "3";
const SHELL = `waypoint-shell-${VERSION}`;
const INSTRUMENTS = "waypoint-instruments";
const NETWORK_TIMEOUT_MS = 4000;

const SHELL_FILES = [
  "/",
  "/manifest.webmanifest",
  "/pwa/css/app.css",
  "/pwa/js/api.js",
  "/pwa/js/app.js",
  "/pwa/js/chart.js",
  "/pwa/js/data.js",
  "/pwa/js/dom.js",
  "/pwa/js/idb.js",
  "/pwa/js/notification.js",
  "/pwa/js/outbox.js",
  "/pwa/js/push.js",
  "/pwa/js/rules.js",
  "/pwa/js/words.js",
  "/pwa/js/screens/checkin.js",
  "/pwa/js/screens/crisis.js",
  "/pwa/js/screens/done.js",
  "/pwa/js/screens/help.js",
  "/pwa/js/screens/history.js",
  "/pwa/js/screens/home.js",
  "/pwa/js/screens/reminders.js",
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
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("waypoint-shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

/** The network's answer (kept in `cacheName`), or the cached copy when the network fails or stalls. */
async function networkFirst(request, cacheName, cacheKey = request) {
  const cache = await caches.open(cacheName);
  const fromNetwork = fetch(request).then((response) => {
    if (response.ok) cache.put(cacheKey, response.clone());
    return response;
  });
  fromNetwork.catch(() => undefined); // handled below; keeps a late failure from being reported
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS, null));
  try {
    const response = await Promise.race([fromNetwork, timeout]);
    if (response) return response;
  } catch {
    // Offline: fall through to the cache.
  }
  const cached = await cache.match(cacheKey, { ignoreSearch: true, ignoreVary: true });
  return cached || fromNetwork;
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (request.mode === "navigate") {
    if (path === "/") event.respondWith(networkFirst(request, SHELL, "/"));
    return;
  }
  if (path.startsWith("/pwa/vendor/")) {
    event.respondWith(cacheFirst(request));
  } else if (/^\/pwa\/(js|css|icons)\//.test(path) || path === "/manifest.webmanifest") {
    event.respondWith(networkFirst(request, SHELL));
  } else if (path.startsWith("/api/v1/instruments/")) {
    event.respondWith(networkFirst(request, INSTRUMENTS));
  }
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
    raw = null;
  }
  const shown = fromPush(raw, self.location.origin);
  event.waitUntil(
    self.registration.showNotification(shown.title, {
      body: shown.body,
      icon: "/pwa/icons/icon-192.png",
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
