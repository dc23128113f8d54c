// The phone's own record of home doses: the plan it last synced, the doses it knows of, the
// check waiting for "I took my dose", and which after-dose check is due. All in IndexedDB
// (the `meta` store), so the gate and the timer work with no network.

import { cachedDosingPlan } from "./data.js";
import { gate } from "./dosing.js";
import { getMeta, setMeta } from "./idb.js";
import { enqueueDose } from "./outbox.js";

/** A passed check older than this is checked again before a dose. */
export const PENDING_MS = 30 * 60_000;
/** An after-dose check is still offered this long after its dose (the team was told at 4 h). */
const OFFER_MS = 24 * 3_600_000;

/** The synced plan body when home dosing is on for this patient, else null. */
export async function activePlan() {
  const body = await cachedDosingPlan();
  return body && body.active && body.plan ? body : null;
}

/** The doses this phone recorded or was told of, oldest first. */
export function doseLog() {
  return getMeta("dose_log", []);
}

/** When the earlier doses were taken (ms): the server's at the last sync and this phone's. */
export function doseTimes(body, log) {
  const times = (body.doses_taken || []).map((iso) => Date.parse(iso));
  for (const entry of log) {
    const at = Date.parse(entry.dosed_at);
    // One dose the server already had is not counted twice (its time to the second).
    if (!times.some((t) => Math.abs(t - at) < 1000)) times.push(at);
  }
  return times.sort((a, b) => a - b);
}

/** The gate on this phone for `answers` at `now` (ms), as the server will run it. */
export function gateNow(body, log, answers, now) {
  const doses = doseTimes(body, log);
  const started = body.prescription_started_at ? Date.parse(body.prescription_started_at) : 0;
  const used = doses.filter((at) => at >= started).length;
  const vitals = {
    systolic: answers.systolic,
    diastolic: answers.diastolic,
    heart_rate: answers.heart_rate,
  };
  return gate(body.plan, vitals, answers.monitor_present, answers.new_symptoms, doses, now, used);
}

/** The latest dose, or null. */
export function lastDose(body, log) {
  const doses = doseTimes(body, log);
  return doses.length ? new Date(doses[doses.length - 1]).toISOString() : null;
}

/** `log` with `entry` in place of any entry of its id. */
function remembered(log, entry) {
  return [...log.filter((e) => e.id !== entry.id), entry];
}

/** Queue a dose the patient reports taking outside the app (a misuse signal for the team). */
export async function reportOutside(dosedAt, checkedAt) {
  const id = crypto.randomUUID();
  const entry = { id, dosed_at: dosedAt, outside_app: true };
  await enqueueDose(
    { id, kind: "dose", outside_app: true, checked_at: checkedAt, dosed_at: dosedAt },
    { dose_log: remembered(await doseLog(), entry) },
  );
}

/**
 * Queue a pre-dose check. `dosedAt` null: no dose (the gate held it, or the patient chose
 * not to); otherwise the dose is logged with the time its after-dose check falls due. The
 * log changes in the record's own transaction, and only if the record was queued: a phone
 * closed right after "I took my dose" knows of the dose when it opens (its gate, its rest
 * timer), offline too, and a check queued twice logs nothing twice.
 */
export async function recordCheck(body, check, dosedAt) {
  const meta = { dose_pending: null };
  if (dosedAt) {
    const due = Date.parse(dosedAt) + body.plan.post_check_minutes * 60_000;
    const entry = { id: check.id, dosed_at: dosedAt, due_at: new Date(due).toISOString() };
    meta.dose_log = remembered(await doseLog(), entry);
  }
  await enqueueDose(
    {
      id: check.id,
      kind: "dose",
      checked_at: check.checked_at,
      dosed_at: dosedAt,
      systolic: check.systolic,
      diastolic: check.diastolic,
      heart_rate: check.heart_rate,
      monitor_present: check.monitor_present,
      new_symptoms: check.new_symptoms,
    },
    meta,
  );
}

/** The passed check waiting for "I took my dose", or null. */
export function pendingCheck() {
  return getMeta("dose_pending", null);
}

/** Keep a passed check until the patient says whether they took the dose. */
export function keepPending(check) {
  return setMeta("dose_pending", check);
}

/**
 * The dose whose after-dose check is open: {entry, due} with `due` true once its time has
 * come; null when every recent dose's check is answered.
 */
export async function openAfterCheck(now = Date.now()) {
  const log = await doseLog();
  const open = log
    .filter((e) => e.due_at && !e.answered && now - Date.parse(e.dosed_at) < OFFER_MS)
    .sort((a, b) => a.dosed_at.localeCompare(b.dosed_at));
  if (!open.length) return null;
  const entry = open[open.length - 1];
  return { entry, due: now >= Date.parse(entry.due_at) };
}

/**
 * What queues with the post-session check-in (`checkinId`) that answers dose `doseId`'s
 * after-dose check, in the check-in's own transaction: the link (sent after the dose and the
 * check-in) and this phone's log with the check answered.
 */
export async function afterCheckAnswered(doseId, checkinId) {
  const log = await doseLog();
  return {
    record: {
      id: `post_check:${doseId}`,
      kind: "post_check",
      dose_id: doseId,
      checkin_id: checkinId,
      after: [doseId, checkinId],
    },
    log: log.map((e) => (e.id === doseId ? { ...e, answered: true } : e)),
  };
}
