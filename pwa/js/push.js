// Check-in reminders by Web Push. Offered only after the first completed check-in, and the
// browser's permission prompt appears only when the patient taps "Yes, remind me".
// The clinic views use the same subscription steps for staff alert notifications.

import { request } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { getMeta, setMeta } from "./idb.js";

const SUBSCRIBE_TIMEOUT_MS = 20000;

/** True when this browser can take Web Push notifications. */
export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url) {
  const padded = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4))
    .replace(/-/g, "+")
    .replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

/**
 * Ask for permission, subscribe this browser with the server's VAPID key and register the
 * subscription by POSTing it to `path`; resolves to true when notifications are on.
 */
export async function subscribeDevice(publicKey, path) {
  if ((await Notification.requestPermission()) !== "granted") return false;
  // The one service worker (scope "/") shows every notification; registering it again is a no-op.
  await navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" });
  const registration = await navigator.serviceWorker.ready;
  // A push service that cannot be reached leaves subscribe() pending for good: bound it.
  const timeout = new Promise((resolve, reject) => {
    setTimeout(
      () => reject(new DOMException("The push service did not answer.", "TimeoutError")),
      SUBSCRIBE_TIMEOUT_MS,
    );
  });
  const subscription = await Promise.race([
    registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(publicKey),
    }),
    timeout,
  ]);
  await request("POST", path, subscription.toJSON());
  return true;
}

/** Put the reminder offer into `container` when it makes sense to ask. */
export async function maybeOfferReminders(container, profile) {
  if (!pushSupported() || !profile || !profile.vapid_public_key) return;
  if (Notification.permission !== "default") return;
  if (!(await getMeta("completed_once", false)) || (await getMeta("reminders_answered", false)))
    return;
  const message = h("p", { role: "status" });
  const yes = h("button", { type: "button", class: "button" }, t("push.yes"));
  const no = h("button", { type: "button", class: "button secondary" }, t("push.no"));
  const card = h(
    "section",
    { class: "card", "aria-labelledby": "reminder-title" },
    h("h2", { id: "reminder-title" }, t("push.title")),
    h("p", {}, t("push.text")),
    h("div", { class: "actions" }, yes, no),
    message,
  );
  yes.addEventListener("click", async () => {
    await setMeta("reminders_answered", true);
    try {
      const on = await subscribeDevice(profile.vapid_public_key, "/api/v1/me/push-subscription");
      message.textContent = on ? t("push.on") : t("push.off");
    } catch {
      message.textContent = t("push.failed");
      await setMeta("reminders_answered", false);
    }
    yes.remove();
    no.remove();
  });
  no.addEventListener("click", async () => {
    await setMeta("reminders_answered", true);
    card.remove();
  });
  container.replaceChildren(card);
}
