// One check-in: one question per screen, big answer buttons, progress, back, and the answers
// kept on this phone after every tap so that a reload or a closed app loses nothing.

import * as data from "../data.js";
import { announce, h, show } from "../dom.js";
import { get, getMeta, put, setMeta } from "../idb.js";
import { enqueue, enqueueSignal, signalState } from "../outbox.js";
import * as rules from "../rules.js";
import { RESULT_TITLE, deliveryOf, instrumentName } from "../words.js";
import { followDelivery, helpBar, supportBlock, urgentBlock } from "./crisis.js";
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
      // A follow-up starts after the crisis help was already shown.
      support_shown: isFollowUp,
      imminent_shown: false,
    };
  }
  await put("drafts", draft);
  return { draft, definition };
}

/** Show the check-in of instrument `code`, resuming its draft if there is one. */
export async function checkinScreen(app, code) {
  const followUp = await getMeta("followup", null);
  const isFollowUp = Boolean(followUp && followUp.instrument === code);
  const opened = await openDraft(code, isFollowUp);
  if (!opened) {
    show(
      app.main,
      "Check-in",
      h("h1", {}, "This check-in could not open"),
      h("p", {}, "Please try again when your phone is online."),
      h("a", { class: "button", href: "#/" }, "Back to home"),
    );
    return;
  }
  const { draft, definition } = opened;
  // A second check-in of one questionnaire today: ask first (never before a follow-up).
  if (!started(draft) && !isFollowUp && !draft.retake_confirmed && (await answeredToday(code))) {
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
    renderQuestion(items, index);
  }

  /** Whether the care team has this check-in's safety answer: from the signal's outbox state. */
  async function delivery() {
    return deliveryOf(await signalState(draft.id), navigator.onLine);
  }

  async function renderPause() {
    const imminent = draft.pause === "imminent";
    const state = await delivery();
    const block = imminent
      ? urgentBlock(resources, { monitoring, delivery: state })
      : supportBlock(resources, { monitoring, delivery: state });
    show(
      app.main,
      RESULT_TITLE,
      block,
      h(
        "p",
        {},
        "When you are ready, you can finish your check-in. Your answers so far are saved.",
      ),
      h(
        "button",
        { type: "button", class: "button secondary", onclick: resume },
        "Continue my check-in",
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
    const total = items.length;
    const answer = draft.answers[item.link_id];
    // The instrument's stem belongs to its statements, not to items that are whole questions.
    const stem =
      definition.preamble && !item.text.trim().endsWith("?") ? definition.preamble : null;
    const legend = h(
      "legend",
      {},
      stem ? h("span", { class: "stem" }, stem) : null,
      h("span", { class: "item-text" }, item.text),
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
      body = h(
        "form",
        { class: "question", onsubmit: (event) => event.preventDefault() },
        h("label", { for: "answer-text", class: "item-text" }, item.text),
        h(
          "p",
          { id: "answer-hint", class: "hint" },
          item.required ? "Please write a short answer." : "You can skip this.",
        ),
        field,
        h(
          "button",
          {
            type: "button",
            class: "button",
            onclick: () => choose(item, items, field.value.trim() || null),
          },
          "Next",
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
      "Check-in",
      isFollowUp ? helpBar(resources) : null,
      h("p", { class: "eyebrow" }, instrumentName(definition)),
      h(
        "h1",
        { id: "progress-title", class: "progress-title" },
        `Question ${index + 1} of ${total}`,
      ),
      h("progress", { max: total, value: index + 1, "aria-labelledby": "progress-title" }),
      body,
      h(
        "div",
        { class: "nav" },
        h(
          "button",
          { type: "button", class: "button secondary", onclick: () => back(items, index) },
          "Back",
        ),
        !item.required && item.type !== "text"
          ? h(
              "button",
              {
                type: "button",
                class: "button secondary",
                onclick: () => choose(item, items, null),
              },
              "Skip this question",
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
      // Crisis help at once, before the next question, whenever an answer calls for it.
      if (safety.level === "imminent" && !draft.imminent_shown) {
        Object.assign(draft, { pause: "imminent", imminent_shown: true, support_shown: true });
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
    await enqueue(
      // The version asked stays with the answers on this phone (the server scores by its own).
      {
        id: draft.id,
        instrument: code,
        version,
        answers,
        completed_at: completedAt,
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
      },
    );
    announce("Your answers are saved.");
    app.afterQueue();
    location.hash = "#/done";
  }

  render();
}
