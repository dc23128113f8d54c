// The at-home dose gate, evaluated on the phone exactly as surveys/dosing.py does on the
// server (offline too): may a dose be taken now, and every reason it may not.

export const REASONS = [
  "bp_high",
  "heart_rate_high",
  "monitor_absent",
  "new_symptoms",
  "too_soon",
  "weekly_max",
  "prescription_used",
];
const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;
/** Readings a home cuff can give; beyond these the reading is a mistake. */
export const VITAL_RANGES = { systolic: [60, 260], diastolic: [30, 160], heart_rate: [30, 220] };

/** Readings a cuff cannot give, by field, as the server refuses them. */
export function vitalErrors(vitals) {
  const errors = {};
  for (const [name, [low, high]] of Object.entries(VITAL_RANGES)) {
    const value = vitals[name];
    if (!Number.isInteger(value) || value < low || value > high) {
      errors[name] = [`Must be a whole number from ${low} to ${high}.`];
    }
  }
  if (!Object.keys(errors).length && vitals.diastolic >= vitals.systolic) {
    errors.diastolic = ["Must be lower than the systolic (upper) number."];
  }
  return errors;
}

/**
 * May a dose be taken at `now` (ms)? `doses`: when the earlier doses were taken (ms);
 * `used`: how many are on the current prescription (all of them unless given). Returns {ok, reasons, nextAt} (nextAt in ms when too soon, else null).
 */
export function gate(plan, vitals, monitorPresent, newSymptoms, doses, now, used = doses.length) {
  const reasons = [];
  if (vitals.systolic > plan.systolic_max || vitals.diastolic > plan.diastolic_max) {
    reasons.push("bp_high");
  }
  if (vitals.heart_rate > plan.heart_rate_max) reasons.push("heart_rate_high");
  if (plan.monitor_required && !monitorPresent) reasons.push("monitor_absent");
  if (newSymptoms) reasons.push("new_symptoms");
  let nextAt = null;
  if (doses.length) {
    nextAt = Math.max(...doses) + plan.min_interval_hours * HOUR_MS;
    if (now < nextAt) reasons.push("too_soon");
    else nextAt = null;
  }
  if (doses.filter((at) => now - WEEK_MS < at && at <= now).length >= plan.max_per_week) {
    reasons.push("weekly_max");
  }
  if (used >= plan.doses_prescribed) reasons.push("prescription_used");
  return { ok: reasons.length === 0, reasons, nextAt };
}
