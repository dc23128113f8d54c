// Crisis help: the clinic's resources as tap-to-call and tap-to-text buttons. Everything here
// comes from this phone's storage, so it shows at once with or without a network.

import { h } from "../dom.js";
import { onChange } from "../outbox.js";
import { monitoringWords } from "../words.js";

/** Resources in the order to offer them: emergency services first when the risk is now. */
export function ordered(resources, emergencyFirst) {
  const isEmergency = (r) => r.kind === "emergency";
  const emergency = resources.filter(isEmergency);
  const others = resources.filter((r) => !isEmergency(r));
  return emergencyFirst ? [...emergency, ...others] : [...others, ...emergency];
}

/** The tap-to-text link, with the keyword prefilled as the body (`sms:741741?&body=HOME`). */
export function smsHref(resource) {
  const keyword = resource.sms_keyword;
  return keyword
    ? `sms:${resource.sms}?&body=${encodeURIComponent(keyword)}`
    : `sms:${resource.sms}`;
}

/** "Text HOME to 741741", or "Text 988". */
export function smsWords(resource) {
  return resource.sms_keyword
    ? `Text ${resource.sms_keyword} to ${resource.sms}`
    : `Text ${resource.sms}`;
}

/** One resource: its name and a big button per way to reach it. */
function resourceItem(resource, headingLevel, urgent) {
  const actions = [];
  if (resource.phone) {
    actions.push(
      h(
        "a",
        { class: urgent ? "button urgent" : "button", href: `tel:${resource.phone}` },
        `Call ${resource.phone}`,
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
        "Chat online",
        h("span", { class: "visually-hidden" }, " (opens a new tab)"),
      ),
    );
  }
  return h(
    "li",
    { class: urgent ? "resource first" : "resource" },
    h(`h${headingLevel}`, {}, resource.name),
    h("div", { class: "actions" }, actions),
  );
}

/** The list of resources; the first one is made the biggest when `emergencyFirst`. */
export function resourceList(resources, { emergencyFirst = false, headingLevel = 2 } = {}) {
  return h(
    "ul",
    { class: "resources", "aria-label": "People you can reach now" },
    ordered(resources, emergencyFirst).map((r, i) =>
      resourceItem(r, headingLevel, emergencyFirst && i === 0),
    ),
  );
}

/** The calm support block shown when a safety answer is given. */
export function supportBlock(resources, { monitoring, delivery, headingLevel = 1 } = {}) {
  return h(
    "section",
    { class: "support", "aria-labelledby": "support-title" },
    h(`h${headingLevel}`, { id: "support-title" }, "You do not have to go through this alone"),
    // The first call button right under the heading: nothing to read before it.
    resourceList(resources, { headingLevel: headingLevel + 1 }),
    h(
      "p",
      {},
      "Thank you for telling us. If you are thinking about hurting yourself, please reach out now. " +
        "These lines are free and open day and night.",
    ),
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
    h("h1", { id: "urgent-title" }, "Please get help right now"),
    resourceList(resources, { emergencyFirst: true, headingLevel: 2 }),
    h(
      "p",
      { class: "lead" },
      "Your safety matters most. Please call now, or go to the nearest emergency room. " +
        "If you can, stay with someone you trust.",
    ),
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
  const calls = (emergency.length ? emergency : [{ name: "Emergency services", phone: "911" }]).map(
    (r, i) =>
      h(
        "a",
        { class: i === 0 ? "button urgent" : "button", href: `tel:${r.phone}` },
        `Call ${r.phone}`,
        emergency.length > 1 ? ` (${r.name})` : null,
      ),
  );
  return h(
    "section",
    { class: "urgent-help call-now", "aria-labelledby": "call-now-title" },
    h("h1", { id: "call-now-title" }, `Call ${number} now`),
    h("div", { class: "actions" }, calls),
    h(
      "p",
      { class: "lead" },
      "Chest pain, trouble breathing, a sudden severe headache or a change in your eyesight " +
        "after ketamine or esketamine can be signs of a dangerous rise in blood pressure. " +
        "Do not wait to see if it passes, and do not drive yourself.",
    ),
    h(
      "p",
      { class: "monitoring", role: "status", "data-delivery": delivery },
      monitoringWords(monitoring, delivery),
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
      note.textContent = monitoringWords(monitoring, delivery);
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
  const lines = ordered(resources, false).filter((r) => r.phone || r.sms);
  return h(
    "aside",
    { class: "help-bar", "aria-label": "Help now" },
    h("p", {}, "Need to talk to someone now?"),
    h(
      "div",
      { class: "actions" },
      lines.map((r) =>
        h(
          "a",
          { class: "button small", href: r.phone ? `tel:${r.phone}` : smsHref(r) },
          r.phone ? `Call ${r.phone}` : smsWords(r),
        ),
      ),
    ),
  );
}
