// One check-in: one question per screen, big answer buttons, progress, back, and the answers
// kept on this phone after every tap so that a reload or a closed app loses nothing.

import * as data from "../data.js";
import { announce, h, show } from "../dom.js";
import { get, getMeta, put, setMeta } from "../idb.js";
import { afterCheckAnswered } from "../doses.js";
import { LANG, t } from "../i18n.js";
import { enqueue, enqueueSignal, signalState } from "../outbox.js";
import * as rules from "../rules.js";
import { RESULT_TITLE, deliveryOf, instrumentName, languageNote } from "../words.js";
import { callNowBlock, followDelivery, helpBar, supportBlock, urgentBlock } from "./crisis.js";
import { answeredToday, retakeScreen } from "./retake.js";

/** A check-in under way: answered something, or paused on crisis help. */
function started(draft) {
  return Boolean(draft && (Object.keys(draft.answers).length || draft.pause));
}

/**
 * The draft to show and the definition it is asked with. A check-in under way keeps the
 * definition it started with (stored in its draft), so it never waits on the network and never
 * changes version halfway; a new one takes this phone's latest copy. Null when this phone has
 * never had the definition and the server cannot be reached.
 */
async function openDraft(code, isFollowUp) {
  let draft = await get("drafts", code);
  if (started(draft) && draft.definition) return { draft, definition: draft.definition };
  let definition;
  try {
    definition = await data.definition(code);
  } catch {
    return null;
  }
  if (draft && draft.version === definition.version) {
    // A draft from before drafts kept their definition, or one not yet answered.
    draft.definition = definition;
  } else {
    draft = {
      instrument: code,
      version: definition.version,
      definition,
      id: crypto.randomUUID(),
      answers: {},
      at: null,
      pause: null,
      started_at: new Date().toISOString(),
      // The app's language when it began: finished in it after a switch (and told so).
      app_language: LANG,
      // A follow-up starts after the crisis help was already shown.
      support_shown: isFollowUp,
      imminent_shown: false,
      call_now_shown: false,
    };
  }
  await put("drafts", draft);
  return { draft, definition };
}

// History: each question is an entry of its own (the check-in's URL, with history.state
// naming the question), so the phone's Back goes to the previous question, and Back on the
// first leaves the check-in for where it was opened from. On the thank-you screen Back goes
// home: the finished check-in's entries are gone back over and its first becomes home.

/** The popstate listener of the check-in on show: one at a time. */
let onHistory = null;

/** Which step of its check-in the current entry is (0 for the one it opened in). */
function stepOf(draft) {
  const state = history.state;
  return state && state.checkin === draft.id ? state.step || 0 : 0;
}

/** Show the check-in of instrument `code`, resuming its draft if there is one. */
export async function checkinScreen(app, code) {
  if (onHistory) window.removeEventListener("popstate", onHistory);
  onHistory = null;
  const followUp = await getMeta("followup", null);
  const isFollowUp = Boolean(followUp && followUp.instrument === code);
  // The post-session check-in asked as a home dose's after-dose check (dose_after.js).
  const doseCheck = code === "post_session" ? await getMeta("dose_check", null) : null;
  const opened = await openDraft(code, isFollowUp);
  if (!opened) {
    show(
      app.main,
      t("checkin.title"),
      h("h1", {}, t("checkin.cannotOpen")),
      h("p", {}, t("checkin.tryOnline")),
      h("a", { class: "button", href: "#/" }, t("checkin.backHome")),
    );
    return;
  }
  const { draft, definition } = opened;
  // A second check-in of one questionnaire today: ask first (never before a follow-up).
  if (
    !started(draft) &&
    !isFollowUp &&
    !doseCheck &&
    !draft.retake_confirmed &&
    (await answeredToday(code))
  ) {
    await retakeScreen(app, definition, async () => {
      draft.retake_confirmed = true;
      await put("drafts", draft);
      checkinScreen(app, code);
    });
    return;
  }
  // The follow-up a safety answer leads to must open offline too: keep it on this phone now.
  for (const rule of definition.safety || []) {
    if (rule.follow_up) data.definition(rule.follow_up).catch(() => undefined);
  }
  const resources = await data.crisisResources();
  const profile = await data.cachedMe();
  const monitoring = profile && profile.clinic ? profile.clinic.monitoring_hours : null;
  const save = () => put("drafts", draft);
  let finishing = false;
  // A reload, or Forward back into the check-in, lands on the question of that entry.
  if (history.state && history.state.checkin === draft.id && history.state.at) {
    draft.at = history.state.at;
  }
  onHistory = async (event) => {
    const state = event.state;
    if (finishing || !state || state.checkin !== draft.id) return;
    // Back (or Forward) to a question: to that question, out of the crisis help if it was
    // on show (it was shown; the patient chose to go back to their answer).
    draft.pause = null;
    draft.at = state.at;
    await save();
    render();
  };
  window.addEventListener("popstate", onHistory);

  function current(items) {
    const index = items.findIndex((item) => item.link_id === draft.at);
    if (index >= 0) return index;
    const missing = rules.firstMissing(definition, draft.answers);
    return missing ? items.indexOf(missing) : 0;
  }

  function render() {
    if (draft.pause) return renderPause();
    const items = rules.visibleItems(definition, draft.answers);
    const index = current(items);
    draft.at = items[index].link_id;
    // This entry names the question on show (a reload or Back comes back to it).
    history.replaceState({ checkin: draft.id, at: draft.at, step: stepOf(draft) }, "");
    renderQuestion(items, index);
  }

  /** A new history entry for the next question (or the crisis help before it). */
  function forward(linkId) {
    history.pushState({ checkin: draft.id, at: linkId, step: stepOf(draft) + 1 }, "");
  }

  /** Whether the care team has this check-in's safety answer: from the signal's outbox state. */
  async function delivery() {
    return deliveryOf(await signalState(draft.id), navigator.onLine);
  }

  async function renderPause() {
    const state = await delivery();
    const blocks = { imminent: urgentBlock, call_now: callNowBlock, support: supportBlock };
    const block = (blocks[draft.pause] || supportBlock)(resources, { monitoring, delivery: state });
    show(
      app.main,
      RESULT_TITLE,
      block,
      h("p", {}, t("checkin.resumeText")),
      h(
        "button",
        { type: "button", class: "button secondary", onclick: resume },
        t("checkin.continue"),
      ),
    );
    followDelivery(block, monitoring, delivery);
  }

  async function resume() {
    draft.pause = null;
    await save();
    render();
  }

  function renderQuestion(items, index) {
    const item = items[index];
    // Of every question, the conditional ones included: the total never changes mid-way
    // (a check-in whose last question does not apply ends one early instead).
    const all = definition.items;
    const total = all.length;
    const number = all.findIndex((i) => i.link_id === item.link_id) + 1;
    const answer = draft.answers[item.link_id];
    // The instrument's stem belongs to its statements, not to items that are whole questions.
    const stem =
      definition.preamble && !item.text.trim().endsWith("?") ? definition.preamble : null;
    // Asked in the language it was published in: marked so, for screen readers too.
    const asked = item.language || definition.language;
    const lang = asked === LANG ? null : asked;
    const itemNote = languageNote(definition, item, draft.app_language);
    const legend = h(
      "legend",
      { lang: definition.language === LANG ? null : definition.language },
      stem ? h("span", { class: "stem" }, stem) : null,
      h("span", { class: "item-text", lang }, item.text),
    );
    let body;
    if (item.type === "text") {
      const field = h("textarea", {
        id: "answer-text",
        rows: 5,
        maxlength: item.max_length,
        "aria-describedby": "answer-hint",
      });
      field.value = typeof answer === "string" ? answer : "";
      if (item.help) field.setAttribute("aria-describedby", "answer-help answer-hint");
      body = h(
        "form",
        { class: "question", onsubmit: (event) => event.preventDefault() },
        h("label", { for: "answer-text", class: "item-text", lang }, item.text),
        // Who reads this and when, and what to do in an emergency (never triaged by the app).
        item.help ? h("p", { id: "answer-help", class: "answer-help", lang }, item.help) : null,
        h(
          "p",
          { id: "answer-hint", class: "hint" },
          item.required ? t("checkin.writeShort") : t("checkin.canSkip"),
        ),
        field,
        h(
          "button",
          {
            type: "button",
            class: "button",
            onclick: () => choose(item, items, field.value.trim() || null),
          },
          t("checkin.next"),
        ),
      );
    } else {
      body = h(
        "form",
        { class: "question", onsubmit: (event) => event.preventDefault() },
        h(
          "fieldset",
          {},
          legend,
          h(
            "div",
            { class: "options" },
            item.options.map((option) =>
              h(
                "button",
                {
                  type: "button",
                  class: "option",
                  "aria-pressed": answer === option.value ? "true" : "false",
                  "data-value": option.value,
                  lang,
                  onclick: () => choose(item, items, option.value),
                },
                option.text,
              ),
            ),
          ),
        ),
      );
    }
    show(
      app.main,
      t("checkin.title"),
      isFollowUp ? helpBar(resources) : null,
      h("p", { class: "eyebrow" }, instrumentName(definition)),
      h(
        "h1",
        { id: "progress-title", class: "progress-title" },
        t("checkin.progress", { number, total }),
      ),
      h("progress", { max: total, value: number, "aria-labelledby": "progress-title" }),
      // Never translated by us: an instrument with no verified version in this language is
      // shown as published, and the patient is told why.
      itemNote ? h("p", { class: "language-note", role: "note" }, itemNote) : null,
      body,
      h(
        "div",
        { class: "nav" },
        h(
          "button",
          { type: "button", class: "button secondary", onclick: () => back(items, index) },
          t("checkin.back"),
        ),
        !item.required && item.type !== "text"
          ? h(
              "button",
              {
                type: "button",
                class: "button secondary",
                onclick: () => choose(item, items, null),
              },
              t("checkin.skip"),
            )
          : null,
      ),
    );
  }

  async function back(items, index) {
    if (index === 0) {
      location.hash = "#/";
      return;
    }
    if (stepOf(draft) > 0) {
      history.back(); // the previous question's entry: the popstate listener draws it
      return;
    }
    // Resumed in the middle (this entry is the check-in's first): no entry to go back to.
    draft.at = items[index - 1].link_id;
    await save();
    render();
  }

  async function choose(item, items, value) {
    if (value === null) delete draft.answers[item.link_id];
    else draft.answers[item.link_id] = value;
    const after = rules.visibleItems(definition, draft.answers);
    const position = after.findIndex((i) => i.link_id === item.link_id);
    const next = after[position + 1] || rules.firstMissing(definition, draft.answers);
    const clean = rules.cleanAnswers(definition, draft.answers);
    const safety = rules.evaluateSafety(definition, clean);
    // Home stays calm for a few days after a safety answer (see home.js SUPPORT_DAYS).
    if (safety.endorsed) await setMeta("support_since", new Date().toISOString());
    if (!draft.signal_at && rules.signalRules(definition, clean).length) {
      // A safety answer leaves the phone now, not when (or if) the check-in is finished.
      // Queued before the draft notes it: a phone closed in between queues it on the next tap.
      const at = new Date().toISOString();
      await enqueueSignal({ id: draft.id, instrument: code, answers: clean, answered_at: at });
      draft.signal_at = at;
      app.afterQueue();
    }
    if (next) {
      draft.at = next.link_id;
      forward(next.link_id);
      // Crisis help at once, before the next question, whenever an answer calls for it.
      if (safety.level === "imminent" && !draft.imminent_shown) {
        Object.assign(draft, { pause: "imminent", imminent_shown: true, support_shown: true });
      } else if (rules.callNow(definition, clean) && !draft.call_now_shown) {
        // A warning sign of a blood-pressure crisis, there now: "call 911 now", offline too.
        Object.assign(draft, { pause: "call_now", call_now_shown: true });
      } else if (safety.endorsed && !draft.support_shown) {
        Object.assign(draft, { pause: "support", support_shown: true });
      }
      await save();
      render();
      return;
    }
    await save();
    await submit();
  }

  async function submit() {
    const answers = rules.cleanAnswers(definition, draft.answers);
    const local = rules.score(definition, answers);
    const completedAt = new Date().toISOString();
    const nextFollowUp =
      local.safety.follow_up && local.safety.follow_up !== code ? local.safety.follow_up : null;
    const version = definition.version;
    // This check-in answers a dose's after-dose check: the link queues with it, at once.
    const answered = doseCheck ? await afterCheckAnswered(doseCheck.dose_id, draft.id) : null;
    await enqueue(
      // The version asked goes with the answers: the server scores them with it while it keeps it.
      {
        id: draft.id,
        instrument: code,
        version,
        answers,
        completed_at: completedAt,
        // The language the questions were shown in: the exports keep it.
        language: definition.language || "en",
        // The ASQ names the check-in whose item 9 asked for it: the clinic sees them together.
        follow_up_of: isFollowUp && followUp.after ? followUp.after : null,
      },
      {
        last: {
          id: draft.id,
          instrument: code,
          version,
          local,
          completed_at: completedAt,
          follow_up_of: isFollowUp,
        },
        followup: nextFollowUp
          ? { instrument: nextFollowUp, after: draft.id }
          : isFollowUp
            ? null
            : followUp,
        completed_once: true,
        ...(answered ? { dose_check: null, dose_log: answered.log } : {}),
      },
      answered ? [answered.record] : [],
    );
    announce(t("checkin.saved"));
    app.afterQueue();
    await leaveHistory();
    location.hash = "#/done";
  }

  /**
   * Back over this check-in's entries to its first, which becomes home (without an event):
   * the thank-you screen then follows home, and Back there goes home, never into the
   * finished check-in (a new blank one) or question by question through it.
   */
  async function leaveHistory() {
    finishing = true;
    window.removeEventListener("popstate", onHistory);
    const steps = stepOf(draft);
    if (steps > 0) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 1000);
        window.addEventListener(
          "popstate",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
        history.go(-steps);
      });
    }
    history.replaceState(null, "", "#/");
  }

  render();
}
