// Crisis help: the clinic's resources as tap-to-call and tap-to-text buttons. Everything here
// comes from this phone's storage, so it shows at once with or without a network.

import { h } from "../dom.js";
import { onChange } from "../outbox.js";
import { LANG, t } from "../i18n.js";
import { callNowReach, monitoringWords } from "../words.js";

/**
 * Resources in the order to offer them: emergency services first when the risk is now;
 * otherwise the crisis lines (free, day and night), then emergency services, then the rest
 * (the clinic's own number, open its hours): 911 never falls below a weekday-hours number.
 */
export function ordered(resources, emergencyFirst) {
  const of = (kind) => resources.filter((r) => r.kind === kind);
  const emergency = of("emergency");
  const lines = of("crisis_line");
  const rest = resources.filter((r) => r.kind !== "emergency" && r.kind !== "crisis_line");
  return emergencyFirst ? [...emergency, ...lines, ...rest] : [...lines, ...emergency, ...rest];
}

/** The names the US default list gives (api/models/clinics.py), shown in the app's language. */
const DEFAULT_NAMES = {
  "Emergency services": "crisis.emergencyServices",
  "988 Suicide & Crisis Lifeline": "crisis.lifelineName",
};
const LIFELINE = "988";
/**
 * The 988 Lifeline's own Spanish service (988lifeline.org, "What to expect"; docs/clinical.md,
 * "Crisis resources"): a call offers Spanish as option 2, a text "AYUDA" reaches Spanish-speaking
 * counselors, and its Spanish pages (with the Spanish chat) are at /es/.
 */
const LIFELINE_SPANISH = { sms_keyword: "AYUDA", url: "https://988lifeline.org/es/" };

/**
 * The resources as this page's language offers them: the default names in its words, and the
 * 988 Lifeline with its Spanish options in Spanish. A clinic's own names and numbers are kept.
 */
export function inLanguage(resources) {
  if (LANG === "en") return resources;
  return resources.map((resource) => {
    const named = DEFAULT_NAMES[resource.name]
      ? { ...resource, name: t(DEFAULT_NAMES[resource.name]) }
      : resource;
    if (named.phone !== LIFELINE && named.sms !== LIFELINE) return named;
    return {
      ...named,
      sms_keyword: named.sms === LIFELINE ? LIFELINE_SPANISH.sms_keyword : named.sms_keyword,
      url: named.url && named.url.includes("988lifeline.org") ? LIFELINE_SPANISH.url : named.url,
      note: t("crisis.lifelineNote"),
    };
  });
}

/** The tap-to-call link: digits and a leading + only (`tel:+12125550100`). */
export function telHref(phone) {
  return `tel:${phone.replace(/[^\d+]/g, "")}`;
}

/** The tap-to-text link, with the keyword prefilled as the body (`sms:741741?&body=HOME`). */
export function smsHref(resource) {
  const keyword = resource.sms_keyword;
  const number = resource.sms.replace(/[^\d+]/g, "");
  return keyword ? `sms:${number}?&body=${encodeURIComponent(keyword)}` : `sms:${number}`;
}

/** "Text HOME to 741741", or "Text 988". */
export function smsWords(resource) {
  return resource.sms_keyword
    ? t("crisis.textKeyword", { keyword: resource.sms_keyword, sms: resource.sms })
    : t("crisis.text", { sms: resource.sms });
}

/** One resource: its name and a big button per way to reach it. */
function resourceItem(resource, headingLevel, urgent) {
  const actions = [];
  if (resource.phone) {
    actions.push(
      h(
        "a",
        { class: urgent ? "button urgent" : "button", href: telHref(resource.phone) },
        t("crisis.call", { phone: resource.phone }),
      ),
    );
  }
  if (resource.sms) {
    actions.push(
      h("a", { class: "button secondary", href: smsHref(resource) }, smsWords(resource)),
    );
  }
  if (resource.url) {
    actions.push(
      h(
        "a",
        {
          class: "button secondary",
          href: resource.url,
          target: "_blank",
          rel: "noopener noreferrer",
        },
        t("crisis.chat"),
        h("span", { class: "visually-hidden" }, t("crisis.newTab")),
      ),
    );
  }
  return h(
    "li",
    { class: urgent ? "resource first" : "resource" },
    h(`h${headingLevel}`, {}, resource.name),
    // How to reach the line in this language (988: press 2, text AYUDA), before the buttons.
    resource.note ? h("p", { class: "resource-note" }, resource.note) : null,
    h("div", { class: "actions" }, actions),
  );
}

/** The list of resources; the first one is made the biggest when `emergencyFirst`. */
export function resourceList(resources, { emergencyFirst = false, headingLevel = 2 } = {}) {
  return h(
    "ul",
    { class: "resources", "aria-label": t("crisis.listLabel") },
    ordered(inLanguage(resources), emergencyFirst).map((r, i) =>
      resourceItem(r, headingLevel, emergencyFirst && i === 0),
    ),
  );
}

/** The calm support block shown when a safety answer is given. */
export function supportBlock(resources, { monitoring, delivery, headingLevel = 1 } = {}) {
  return h(
    "section",
    { class: "support", "aria-labelledby": "support-title" },
    h(`h${headingLevel}`, { id: "support-title" }, t("crisis.supportTitle")),
    // The first call button right under the heading: nothing to read before it.
    resourceList(resources, { headingLevel: headingLevel + 1 }),
    h("p", {}, t("crisis.supportText")),
    h(
      "p",
      { class: "monitoring", role: "status", "data-delivery": delivery },
      monitoringWords(monitoring, delivery),
    ),
  );
}

/** The unmistakable call to action for imminent risk: emergency services first. */
export function urgentBlock(resources, { monitoring, delivery } = {}) {
  return h(
    "section",
    { class: "urgent-help", "aria-labelledby": "urgent-title" },
    h("h1", { id: "urgent-title" }, t("crisis.urgentTitle")),
    resourceList(resources, { emergencyFirst: true, headingLevel: 2 }),
    h("p", { class: "lead" }, t("crisis.urgentText")),
    h(
      "p",
      { class: "monitoring", role: "status", "data-delivery": delivery },
      monitoringWords(monitoring, delivery),
    ),
  );
}

/**
 * "Call 911 now": an answer names a warning sign of a blood-pressure crisis that the patient has
 * now (a red flag's `call_now`). The emergency call button sits right under the heading; the
 * number is the clinic's emergency entry (911 in the US default), from this phone's storage.
 */
export function callNowBlock(resources, { monitoring, delivery } = {}) {
  const emergency = resources.filter((r) => r.kind === "emergency" && r.phone);
  const number = emergency.length ? emergency[0].phone : "911";
  const fallback = [{ name: t("crisis.emergencyServices"), phone: "911" }];
  const calls = (emergency.length ? inLanguage(emergency) : fallback).map((r, i) =>
    h(
      "a",
      { class: i === 0 ? "button urgent" : "button", href: telHref(r.phone) },
      t("crisis.call", { phone: r.phone }),
      emergency.length > 1 ? ` (${r.name})` : null,
    ),
  );
  return h(
    "section",
    { class: "urgent-help call-now", "aria-labelledby": "call-now-title" },
    h("h1", { id: "call-now-title" }, t("crisis.callNowTitle", { number })),
    h("div", { class: "actions" }, calls),
    h("p", { class: "lead" }, t("crisis.callNowText")),
    h(
      "p",
      {
        class: "monitoring",
        role: "status",
        "data-delivery": delivery,
        "data-reach": callNowReach(number),
      },
      monitoringWords(monitoring, delivery, callNowReach(number)),
    ),
  );
}

/** Keep a block's delivery sentence true: call `state()` again whenever the outbox or the network changes. */
export function followDelivery(root, monitoring, state) {
  const update = async () => {
    const note = root.querySelector(".monitoring");
    if (!note || !document.body.contains(note)) return false;
    const delivery = await state();
    if (note.dataset.delivery !== delivery) {
      note.dataset.delivery = delivery;
      note.textContent = monitoringWords(monitoring, delivery, note.dataset.reach || undefined);
    }
    return true;
  };
  const stopOutbox = onChange(async () => {
    if (!(await update())) stop();
  });
  const onNetwork = () => update().then((on) => on || stop());
  window.addEventListener("online", onNetwork);
  window.addEventListener("offline", onNetwork);
  function stop() {
    stopOutbox();
    window.removeEventListener("online", onNetwork);
    window.removeEventListener("offline", onNetwork);
  }
  update(); // a change between the block's first words and these listeners is not missed
  return stop;
}

/** A slim bar with the crisis lines, kept on screen during follow-up questions. */
export function helpBar(resources) {
  const lines = ordered(inLanguage(resources), false).filter((r) => r.phone || r.sms);
  return h(
    "aside",
    { class: "help-bar", "aria-label": t("crisis.helpBarLabel") },
    h("p", {}, t("crisis.helpBarText")),
    h(
      "div",
      { class: "actions" },
      lines.map((r) =>
        h(
          "a",
          { class: "button small", href: r.phone ? telHref(r.phone) : smsHref(r) },
          r.phone ? t("crisis.call", { phone: r.phone }) : smsWords(r),
        ),
      ),
    ),
  );
}
