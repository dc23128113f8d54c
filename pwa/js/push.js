// Check-in reminders by Web Push. Offered only after the first completed check-in, and the
// browser's permission prompt appears only when the patient taps "Yes, remind me".

import { request } from "./api.js";
import { h } from "./dom.js";
import { getMeta, setMeta } from "./idb.js";

function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url) {
  const padded = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

/** Subscribe this device and tell the server; resolves to true when reminders are on. */
async function subscribe(publicKey) {
  if ((await Notification.requestPermission()) !== "granted") return false;
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(publicKey),
  });
  await request("POST", "/api/v1/me/push-subscription", subscription.toJSON());
  return true;
}

/** Put the reminder offer into `container` when it makes sense to ask. */
export async function maybeOfferReminders(container, profile) {
  if (!supported() || !profile || !profile.vapid_public_key) return;
  if (Notification.permission !== "default") return;
  if (!(await getMeta("completed_once", false)) || (await getMeta("reminders_answered", false))) return;
  const message = h("p", { role: "status" });
  const yes = h("button", { type: "button", class: "button" }, "Yes, remind me");
  const no = h("button", { type: "button", class: "button secondary" }, "No, thanks");
  const card = h(
    "section",
    { class: "card", "aria-labelledby": "reminder-title" },
    h("h2", { id: "reminder-title" }, "Would you like a reminder?"),
    h(
      "p",
      {},
      "We can send a short note to this phone when your next check-in is ready. " +
        "It never shows your answers. You can turn it off any time in your phone's settings.",
    ),
    h("div", { class: "actions" }, yes, no),
    message,
  );
  yes.addEventListener("click", async () => {
    await setMeta("reminders_answered", true);
    try {
      const on = await subscribe(profile.vapid_public_key);
      message.textContent = on ? "Reminders are on." : "No problem. Reminders are off.";
    } catch {
      message.textContent = "Reminders could not be turned on right now. You can try again later.";
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
