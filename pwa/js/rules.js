// The clinical rules of an instrument definition, evaluated on the phone exactly as
// surveys/scoring.py does on the server (see surveys/README.md, "Definition format").

export const SAFETY_LEVELS = ["none", "positive", "non_acute_positive", "imminent"];

/** Priorities of the red flags that leave the phone at once, like surveys.rules.SIGNAL_PRIORITIES. */
export const SIGNAL_PRIORITIES = ["imminent", "urgent"];

const COMPARE = {
  eq: (a, b) => a === b,
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
};

/** True when `value` is an integer satisfying the one comparison in `cmp` ({gte: 1} ...). */
export function holds(cmp, value) {
  if (!Number.isInteger(value)) return false;
  return Object.entries(cmp).every(([op, x]) => op === "any_of" || COMPARE[op](value, x));
}

/** An `enable_when` / `when` condition: any listed item's answer satisfies the comparison. */
export function conditionHolds(condition, answers) {
  return condition.any_of.some((id) => holds(condition, answers[id]));
}

/**
 * The answers the server would keep, in item order: conditional items count only when their
 * condition holds on the answers before them, and an unanswered (null) item is left out.
 */
export function cleanAnswers(definition, answers) {
  const clean = {};
  for (const item of definition.items) {
    if (item.enable_when && !conditionHolds(item.enable_when, clean)) continue;
    const value = answers[item.link_id];
    if (value !== undefined && value !== null) clean[item.link_id] = value;
  }
  return clean;
}

/** The items asked, given the answers so far (conditional ones only when they apply). */
export function visibleItems(definition, answers) {
  const clean = {};
  const shown = [];
  for (const item of definition.items) {
    if (item.enable_when && !conditionHolds(item.enable_when, clean)) continue;
    shown.push(item);
    const value = answers[item.link_id];
    if (value !== undefined && value !== null) clean[item.link_id] = value;
  }
  return shown;
}

/** The first required, applicable item without an answer, or null when complete. */
export function firstMissing(definition, answers) {
  return (
    visibleItems(definition, answers).find(
      (item) =>
        item.required && (answers[item.link_id] === undefined || answers[item.link_id] === null),
    ) || null
  );
}

/** {endorsed, items, level, follow_up}: the safety block, like scoring.evaluate_safety. */
export function evaluateSafety(definition, answers) {
  const endorsed = (definition.safety || []).filter((rule) =>
    holds(rule.endorsed_if, answers[rule.link_id]),
  );
  if (!endorsed.length) return { endorsed: false, items: [], level: "none", follow_up: null };
  const level = endorsed
    .map((rule) => rule.level)
    .reduce((a, b) => (SAFETY_LEVELS.indexOf(b) > SAFETY_LEVELS.indexOf(a) ? b : a));
  const withFollowUp = endorsed.find((rule) => rule.follow_up);
  return {
    endorsed: true,
    items: [...new Set(endorsed.map((rule) => rule.link_id))],
    level,
    follow_up: withFollowUp ? withFollowUp.follow_up : null,
  };
}

/**
 * The rules of the red flags the answers raise, in the definition's order, like
 * scoring.evaluate_red_flags. Free text is never read.
 */
export function evaluateRedFlags(definition, answers) {
  return (definition.red_flags || [])
    .filter((flag) => conditionHolds(flag.when, answers))
    .map((flag) => flag.rule);
}

/** True when an answer calls for emergency services now: the "call 911 now" screen. */
export function callNow(definition, answers) {
  return (definition.red_flags || []).some(
    (flag) => flag.call_now && conditionHolds(flag.call_now, answers),
  );
}

/** {result, label} of the first outcome rule that holds, the `otherwise`, or null. */
export function evaluateOutcome(definition, answers) {
  const outcome = definition.outcome;
  if (!outcome) return null;
  for (const rule of outcome.rules) {
    if (!rule.when || conditionHolds(rule.when, answers))
      return { result: rule.result, label: rule.label };
  }
  return outcome.otherwise
    ? { result: outcome.otherwise.result, label: outcome.otherwise.label }
    : null;
}

/** The band containing `total`, or null. */
export function bandFor(definition, total) {
  return (definition.bands || []).find((band) => band.min <= total && total <= band.max) || null;
}

/** Total, band, safety and outcome of complete answers: what the server will answer. */
export function score(definition, answers) {
  const clean = cleanAnswers(definition, answers);
  let total = null;
  let band = null;
  if (definition.scoring && definition.scoring.items.length) {
    total = definition.scoring.items.reduce((sum, id) => sum + clean[id], 0);
    band = bandFor(definition, total);
  }
  const outcome = evaluateOutcome(definition, clean);
  return {
    total,
    severity: band ? band.code : null,
    severity_label: band ? band.label : null,
    result: outcome ? outcome.result : null,
    safety: evaluateSafety(definition, clean),
    red_flags: evaluateRedFlags(definition, clean),
    call_now: callNow(definition, clean),
  };
}

/**
 * The alert rules that the answers given so far already trigger, like surveys.signal_hits:
 * "imminent" (an imminent-level safety item), "suicidal_ideation" (a positive-level one) and
 * the red flags of an urgent priority (a warning sign of a blood-pressure crisis). When this is
 * not empty the answers leave the phone at once, before the check-in is finished.
 */
export function signalRules(definition, answers) {
  const clean = cleanAnswers(definition, answers);
  const safety = evaluateSafety(definition, clean);
  const rules = [];
  if (safety.level === "imminent") rules.push("imminent");
  const positive = (definition.safety || [])
    .filter((rule) => rule.level === "positive")
    .map((rule) => rule.link_id);
  if (safety.items.some((id) => positive.includes(id))) rules.push("suicidal_ideation");
  const pressing = (definition.red_flags || [])
    .filter((flag) => SIGNAL_PRIORITIES.includes(flag.priority))
    .map((flag) => flag.rule);
  for (const rule of evaluateRedFlags(definition, clean))
    if (pressing.includes(rule)) rules.push(rule);
  return rules;
}
