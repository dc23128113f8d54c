// The opt-out page of a reminder's link: only the button's POST stops the reminders (mail
// scanners open links too); the server's answer says what was turned off.

import { translateDocument } from "./i18n.js";
import { STOP_WORDS } from "./words.js";

translateDocument();

const form = document.getElementById("stop-form");
const button = document.getElementById("stop-button");
const message = document.getElementById("stop-message");
const token = decodeURIComponent(location.pathname.replace(/^\/stop\//, ""));

/** Done: the server's words stay, the button goes (`hidden` alone loses to `.button`'s display). */
function done(words) {
  message.textContent = words;
  button.remove();
}

// A reload after the stop (the address is /stop/done by then): the answer is kept in the
// history entry, so the page says again what was turned off instead of offering the button.
if (history.state && history.state.stopped) done(history.state.stopped);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  button.disabled = true;
  message.textContent = STOP_WORDS.sending;
  let response;
  try {
    response = await fetch(`/api/v1/reminders/stop/${encodeURIComponent(token)}`, {
      method: "POST",
      headers: { Accept: "application/json" },
      credentials: "omit",
    });
  } catch {
    message.textContent = STOP_WORDS.offline;
    button.disabled = false;
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (response.ok && body.message) {
    done(body.message);
    history.replaceState({ stopped: body.message }, "", "/stop/done");
    return;
  }
  message.textContent = body.message || STOP_WORDS.failed;
  button.disabled = response.status === 404;
});
