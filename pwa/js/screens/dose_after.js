// After a home dose: a calm rest timer until the after-dose check is due (`#/rest`), then the
// check itself (`#/after`): "Are you safe right now?" (no: emergency help first, at once, and
// the care team told when it syncs), whether the dissociation has passed, and then the
// post-session check-in with its red flags, which answers the dose's check.

import * as data from "../data.js";
import { h, show } from "../dom.js";
import { activePlan, openAfterCheck } from "../doses.js";
import { setMeta } from "../idb.js";
import { enqueueDose, unsafeKey, unsafeState } from "../outbox.js";
import { DOSE, DOSE_TITLE, deliveryOf } from "../words.js";
import { followDelivery, urgentBlock } from "./crisis.js";

/** How often the rest timer's words are brought up to date. */
const TICK_MS = 15_000;

/** The rest timer (`#/rest`): time since the dose, when the check comes, how to rest. */
export async function restScreen(app) {
  const open = await openAfterCheck();
  if (!open) {
    location.replace("#/");
    return;
  }
  const { entry } = open;
  const body = await activePlan();
  const monitor = body ? body.plan.monitor_name : null;
  const elapsed = h("p", { class: "timer", role: "timer", "aria-live": "off" });
  const slot = h("div", { class: "rest-next" });
  let due = null;
  const tick = () => {
    if (!document.body.contains(elapsed) && elapsed.dataset.drawn) return false;
    elapsed.dataset.drawn = "true";
    const now = Date.now();
    elapsed.textContent = DOSE.restElapsed(now - Date.parse(entry.dosed_at));
    const isDue = now >= Date.parse(entry.due_at);
    if (isDue !== due) {
      due = isDue;
      slot.replaceChildren(
        ...(isDue
          ? [
              h("p", {}, DOSE.restDue),
              h("a", { class: "button", href: "#/after" }, DOSE.homeDueButton),
            ]
          : [h("p", {}, DOSE.restNext(entry.due_at))]),
      );
    }
    return true;
  };
  show(
    app.main,
    DOSE_TITLE,
    h("h1", {}, DOSE.restTitle),
    h("p", { class: "lead" }, DOSE.restTook(entry.dosed_at)),
    elapsed,
    slot,
    h(
      "section",
      { class: "card", "aria-labelledby": "rest-tips-title" },
      h("h2", { id: "rest-tips-title" }, DOSE.restTipsTitle),
      h(
        "ul",
        {},
        DOSE.restTips(monitor).map((tip) => h("li", {}, tip)),
      ),
    ),
    h("div", { class: "nav" }, h("a", { class: "button secondary", href: "#/" }, DOSE.backHome)),
  );
  tick();
  const timer = setInterval(() => {
    if (!tick()) clearInterval(timer);
  }, TICK_MS);
}

/** The after-dose check (`#/after`): its own two questions, then the post-session check-in. */
export async function afterScreen(app) {
  const open = await openAfterCheck();
  if (!open) {
    location.replace("#/");
    return;
  }
  const { entry } = open;
  const resources = await data.crisisResources();
  const profile = await data.cachedMe();
  const monitoring = profile && profile.clinic ? profile.clinic.monitoring_hours : null;

  const question = (text, answers) =>
    h(
      "form",
      { class: "question", onsubmit: (event) => event.preventDefault() },
      h(
        "fieldset",
        {},
        h("legend", {}, h("span", { class: "item-text" }, text)),
        h(
          "div",
          { class: "options" },
          answers.map(([label, onclick]) =>
            h("button", { type: "button", class: "option", onclick }, label),
          ),
        ),
      ),
    );

  function askSafe() {
    show(
      app.main,
      DOSE_TITLE,
      h("h1", {}, DOSE.afterTitle),
      question(DOSE.safeQuestion, [
        [DOSE.safeYes, askPassed],
        [DOSE.safeNo, notSafe],
      ]),
    );
  }

  async function notSafe() {
    // Queued before anything is drawn: the care team hears of it even if the phone is closed.
    const answeredAt = new Date().toISOString();
    await enqueueDose(
      {
        id: unsafeKey(entry.id),
        kind: "unsafe",
        dose_id: entry.id,
        answered_at: answeredAt,
        after: [entry.id],
      },
      { support_since: answeredAt },
    );
    app.afterQueue();
    const delivery = async () => deliveryOf(await unsafeState(entry.id), navigator.onLine);
    const block = urgentBlock(resources, { monitoring, delivery: await delivery() });
    show(
      app.main,
      DOSE_TITLE,
      block,
      h(
        "button",
        { type: "button", class: "button secondary", onclick: askPassed },
        DOSE.afterContinue,
      ),
    );
    followDelivery(block, monitoring, delivery);
  }

  function askPassed() {
    show(
      app.main,
      DOSE_TITLE,
      h("h1", {}, DOSE.afterTitle),
      question(DOSE.passedQuestion, [
        [DOSE.passedYes, toChecklist],
        [DOSE.passedNo, notYet],
      ]),
    );
  }

  function notYet() {
    show(
      app.main,
      DOSE_TITLE,
      h("h1", {}, DOSE.notYetTitle),
      h("p", { class: "lead" }, DOSE.notYet),
      h("button", { type: "button", class: "button", onclick: askPassed }, DOSE.askAgain),
      h("button", { type: "button", class: "button secondary", onclick: toChecklist }, DOSE.goOn),
      h("a", { class: "button secondary", href: "#/" }, DOSE.backHome),
    );
  }

  async function toChecklist() {
    // The post-session check-in that follows answers this dose's check (checkin.js links it).
    await setMeta("dose_check", { dose_id: entry.id, at: new Date().toISOString() });
    location.hash = "#/checkin/post_session";
  }

  askSafe();
}
