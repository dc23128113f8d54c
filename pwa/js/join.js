// The invite page: opening the link shows this page; only the button's POST redeems the token
// (email link scanners open links too). Afterwards the token leaves the browser's history.

import { ApiError, redeem } from "./api.js";
import { setMeta } from "./idb.js";

const form = document.getElementById("join-form");
const button = document.getElementById("join-button");
const message = document.getElementById("join-message");
const token = decodeURIComponent(location.pathname.replace(/^\/join\//, ""));

function fail(text) {
  message.textContent = text;
  message.hidden = false;
  button.disabled = false;
  button.textContent = "Try again";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  button.disabled = true;
  button.textContent = "Setting up…";
  message.hidden = true;
  try {
    await redeem(token);
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) {
      fail(error.message);
    } else if (error instanceof ApiError && error.status === 422) {
      fail("This invite link is not complete. Please open the link from your care team again.");
    } else if (error instanceof ApiError) {
      fail("Something went wrong on our side. Please try again in a minute.");
    } else {
      fail("Your phone seems to be offline. Please connect to the internet and try again.");
    }
    return;
  }
  // The app draws from this phone's storage first; after a new sign-in (maybe another patient's
  // on this phone) it must ask the server who is signed in before showing anything.
  await setMeta("signed_in", false).catch(() => undefined);
  // replace(), not assign(): the invite URL must not stay in the browser's history.
  location.replace("/");
});
