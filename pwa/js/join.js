// The invite page: opening the link shows this page; only the button's POST redeems the token
// (email link scanners open links too). Afterwards the token leaves the browser's history.

import { ApiError, redeem, speak } from "./api.js";
import { LANG, keepLanguage, t, translateDocument } from "./i18n.js";
import { setMeta } from "./idb.js";

const form = document.getElementById("join-form");
const button = document.getElementById("join-button");
const message = document.getElementById("join-message");
// The last segment: /join/<token>, or /join/<language>/<token> (i18n.js reads the language).
const token = decodeURIComponent(location.pathname.split("/").pop());

// In the language the clinic chose (in the invite's URL) or the phone's; kept for the app.
translateDocument();
document.title = t("join.title");
speak(LANG);
keepLanguage(LANG);

function fail(text) {
  message.textContent = text;
  message.hidden = false;
  button.disabled = false;
  button.textContent = t("join.tryAgain");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  button.disabled = true;
  button.textContent = t("join.settingUp");
  message.hidden = true;
  try {
    await redeem(token);
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) {
      fail(error.message);
    } else if (error instanceof ApiError && error.status === 422) {
      fail(t("join.incomplete"));
    } else if (error instanceof ApiError) {
      fail(t("join.ourSide"));
    } else {
      fail(t("join.offline"));
    }
    return;
  }
  // The app draws from this phone's storage first; after a new sign-in (maybe another patient's
  // on this phone) it must ask the server who is signed in before showing anything.
  await setMeta("signed_in", false).catch(() => undefined);
  // replace(), not assign(): the invite URL must not stay in the browser's history.
  location.replace("/");
});
