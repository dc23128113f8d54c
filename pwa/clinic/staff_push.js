// "Notify me on this device": alert notifications by Web Push for one clinician's browser,
// opt-in, offered only when the server has a VAPID key. Notifications carry no PHI.

import { ApiError, request } from "/pwa/js/api.js";
import { h } from "/pwa/js/dom.js";
import { pushSupported, subscribeDevice } from "/pwa/js/push.js";
import { errorText } from "./format.js";

const PATH = "/api/v1/staff/me/push-subscription";

/** True when this browser already has a push subscription with the one service worker. */
async function subscribedHere() {
  const registration = await navigator.serviceWorker.getRegistration("/");
  return Boolean(registration && (await registration.pushManager.getSubscription()));
}

function countWords(count) {
  if (!count) return "None of your browsers gets alert notifications yet.";
  return count === 1
    ? "1 of your browsers gets alert notifications."
    : `${count} of your browsers get alert notifications.`;
}

/** The card; it fills itself in once the server says whether push is set up. */
export function pushCard() {
  const body = h("div", {}, h("p", { class: "meta" }, "Loading…"));
  const card = h(
    "section",
    { class: "card", "aria-labelledby": "push-heading", id: "push-card" },
    h("h2", { id: "push-heading" }, "Alert notifications on this device"),
    body,
  );
  fill(body).catch((error) => body.replaceChildren(h("p", { class: "error" }, errorText(error))));
  return card;
}

async function fill(body) {
  const { body: status } = await request("GET", PATH);
  const about = h(
    "p",
    {},
    "When an alert of your clinic is raised, this browser can show a notification, even when Waypoint is not open. " +
      "It says only that an alert is waiting and the patient's reference, never a name or an answer.",
  );
  const count = h("p", { class: "meta", id: "push-count" }, countWords(status.subscriptions));
  if (!status.vapid_public_key) {
    body.replaceChildren(
      h(
        "p",
        { id: "push-unavailable" },
        "Notifications by Web Push are not set up on this Waypoint server. Your administrator can turn them on.",
      ),
    );
    return;
  }
  if (!pushSupported()) {
    body.replaceChildren(
      about,
      h("p", { id: "push-unavailable" }, "This browser cannot show notifications from websites."),
    );
    return;
  }
  const message = h("p", { role: "status", id: "push-message" });
  if (Notification.permission === "granted" && (await subscribedHere())) {
    message.textContent = "This device gets alert notifications.";
    body.replaceChildren(about, message, count);
    return;
  }
  const button = h("button", { type: "button", id: "push-on" }, "Notify me on this device");
  button.addEventListener("click", async () => {
    button.disabled = true;
    message.textContent = "Turning notifications on…";
    try {
      if (await subscribeDevice(status.vapid_public_key, PATH)) {
        const { body: now } = await request("GET", PATH);
        message.textContent = "Done: this device will be notified of new alerts.";
        count.textContent = countWords(now.subscriptions);
        button.remove();
        return;
      }
      message.textContent =
        "Notifications are blocked for Waypoint in this browser. Allow them in the site settings, then try again.";
    } catch (error) {
      message.textContent =
        error instanceof ApiError
          ? errorText(error)
          : "This browser could not turn notifications on. Private (incognito) windows cannot get them; otherwise try again later.";
    }
    button.disabled = false;
  });
  body.replaceChildren(about, h("div", { class: "actions" }, button), message, count);
}
