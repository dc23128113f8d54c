// The offline queue: a completed check-in is written here before the network is tried, and
// leaves only when the server has answered 2xx. The client's UUID makes every resend harmless.
// Used by the pages (on submit, on `online`, on open) and by the service worker (Background Sync).

import { ApiError, NetworkError, getSession, request, serverTime } from "./api.js";
import { all, getMeta, put, remove, transaction } from "./idb.js";

export const SYNC_TAG = "waypoint-outbox";
/** The records of home doses (`doseRequest`; everything else is a check-in's). */
const DOSE_KINDS = new Set(["dose", "post_check", "unsafe"]);
/** Safety answers whose delivery the screens show: a check-in's signal, a dose's "not safe". */
const TRACKED = new Set(["signal", "unsafe"]);
const CHANNEL = "waypoint-outbox";
/** Statuses worth trying again later; any other 4xx means the server will never take it. */
const RETRY_LATER = new Set([401, 403, 408, 425, 429]);

function broadcast(message) {
  if (typeof BroadcastChannel === "undefined") return;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage(message);
  channel.close();
}

/** Call `listener(message)` whenever any page or the service worker changes the queue. */
export function onChange(listener) {
  if (typeof BroadcastChannel === "undefined") return () => {};
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event) => listener(event.data);
  return () => channel.close();
}

/**
 * Queue a completed check-in and drop its draft, in one transaction (all or nothing), with
 * any `meta` facts to keep alongside ({key: value}; a value of null deletes the fact) and any
 * dose `records` that go with it (as `enqueueDose` queues them: a post-dose check's link).
 */
export async function enqueue(checkin, meta = {}, records = []) {
  // Whose answers these are: they are only ever sent in that patient's own session.
  const patientId = await getMeta("patient_id", null);
  const record = {
    ...checkin,
    patient_id: patientId,
    queued_at: new Date().toISOString(),
    state: "waiting",
    attempts: 0,
  };
  const rows = records.map((r) => doseRow(r, patientId));
  await transaction(["outbox", "drafts", "meta"], "readwrite", (stores) => {
    stores.outbox.put(record);
    stores.drafts.delete(checkin.instrument);
    keepMeta(stores, meta);
    for (const row of rows) putOnce(stores, row);
  });
  broadcast({ type: "queued", id: record.id });
  return record;
}

/** Keep `meta` facts ({key: value}; null deletes the fact) in a transaction's meta store. */
function keepMeta(stores, meta) {
  for (const [key, value] of Object.entries(meta)) {
    if (value === null) stores.meta.delete(key);
    else stores.meta.put({ key, value });
  }
}

/** The outbox key of a check-in's safety signal: it shares the check-in's own id. */
export function signalKey(checkinId) {
  return `signal:${checkinId}`;
}

/**
 * Queue the answers so far of a check-in under way because one of them triggers a safety
 * rule. Queued once per check-in: the first signal is the one the care team hears of.
 */
export async function enqueueSignal({ id, instrument, answers, answered_at }) {
  const key = signalKey(id);
  const patientId = await getMeta("patient_id", null);
  const record = {
    id: key,
    kind: "signal",
    checkin_id: id,
    instrument,
    answers,
    answered_at,
    patient_id: patientId,
    queued_at: new Date().toISOString(),
    state: "waiting",
    attempts: 0,
  };
  let added = false;
  await transaction(["outbox", "meta"], "readwrite", (stores) => {
    const existing = stores.meta.get(key);
    existing.onsuccess = () => {
      if (existing.result) return;
      stores.outbox.put(record);
      // Kept after it leaves the outbox: the crisis screen says whether it was delivered.
      stores.meta.put({ key, value: { state: "waiting" } });
      added = true;
    };
  });
  if (added) broadcast({ type: "queued", id: key });
  return record;
}

/** Note how the latest attempt at a signal went ("waiting" while one is under way, "failed"). */
async function signalTried(key, state) {
  const fact = await getMeta(key, null);
  if (!fact || fact.state === state || fact.state === "sent") return;
  await put("meta", { key, value: { state } });
  broadcast({ type: "signal", id: key, state });
}

/** A dose record as the outbox keeps it (see `enqueueDose`). */
function doseRow(record, patientId) {
  return {
    after: [],
    ...record,
    patient_id: patientId,
    queued_at: new Date().toISOString(),
    state: "waiting",
    attempts: 0,
  };
}

/**
 * Put a dose record in the outbox unless one of its id is there already; `then()` runs in
 * the same transaction when it was put. A "not safe" answer's delivery is tracked like a
 * safety signal's.
 */
function putOnce(stores, row, then = () => undefined) {
  const existing = stores.outbox.get(row.id);
  existing.onsuccess = () => {
    if (existing.result) return;
    stores.outbox.put(row);
    if (row.kind === "unsafe") stores.meta.put({ key: row.id, value: { state: "waiting" } });
    then();
  };
}

/**
 * Queue a home dose's record: a pre-dose check with its dose (`kind: "dose"`, its id the
 * check's), the link of a post-dose check to its post-session check-in (`"post_check"`, queued
 * with the check-in by `enqueue`), or the post-dose "not safe" answer (`"unsafe"`, tracked
 * like a safety signal). `after`: the outbox ids it must wait for (a link before its dose and
 * check-in would be refused). Queued once per id: a second tap queues nothing, and the `meta`
 * facts (as `enqueue`'s) are kept only with the record that was queued, in its transaction.
 */
export async function enqueueDose(record, meta = {}) {
  const row = doseRow(record, await getMeta("patient_id", null));
  let added = false;
  await transaction(["outbox", "meta"], "readwrite", (stores) => {
    putOnce(stores, row, () => {
      keepMeta(stores, meta);
      added = true;
    });
  });
  if (added) broadcast({ type: "queued", id: row.id });
  return added;
}

/** The path and body a dose record is sent with, its times as fixed at the first attempt. */
function doseRequest(item) {
  if (item.kind === "post_check") {
    return [`/api/v1/me/home-doses/${item.dose_id}/post-check`, { checkin_id: item.checkin_id }];
  }
  if (item.kind === "unsafe") {
    return [`/api/v1/me/home-doses/${item.dose_id}/unsafe`, { answered_at: item.sent.answered_at }];
  }
  const body = { id: item.id, checked_at: item.sent.checked_at, dosed_at: item.sent.dosed_at };
  if (item.outside_app) return ["/api/v1/me/home-doses", { ...body, outside_app: true }];
  for (const name of ["systolic", "diastolic", "heart_rate", "monitor_present", "new_symptoms"]) {
    body[name] = item[name];
  }
  return ["/api/v1/me/home-doses", body];
}

/** A dose record's times on the server's clock when this phone's is off (as check-ins'). */
function doseTimes(item) {
  const at = (iso) => (iso ? serverTime(iso) : null);
  if (item.kind === "unsafe") return { answered_at: at(item.answered_at) };
  if (item.kind === "dose") return { checked_at: at(item.checked_at), dosed_at: at(item.dosed_at) };
  return {};
}

/**
 * How a check-in's safety signal stands: "waiting" (queued or being sent), "failed" (the last
 * attempt did not reach the server), "sent" (answered 2xx), "refused"; null if none was queued.
 */
export async function signalState(checkinId) {
  const fact = await getMeta(signalKey(checkinId), null);
  return fact ? fact.state : null;
}

/** The outbox id of a dose's "not safe" answer (also the key of its delivery state). */
export function unsafeKey(doseId) {
  return `unsafe:${doseId}`;
}

/** How a dose's "not safe" answer stands, as `signalState` for a check-in's. */
export async function unsafeState(doseId) {
  const fact = await getMeta(unsafeKey(doseId), null);
  return fact ? fact.state : null;
}

/** Every check-in still on this phone, oldest first. */
export async function queued() {
  const rows = await all("outbox");
  return rows.sort((a, b) => a.queued_at.localeCompare(b.queued_at));
}

/** Send what is queued, one sender at a time across tabs and the service worker. */
export function flush() {
  const locks = typeof navigator !== "undefined" && navigator.locks;
  return locks ? locks.request(SYNC_TAG, sendAll) : sendAll();
}

async function sendAll() {
  // retryAfter: the longest wait a 429 asked for (seconds), so the caller can try again then.
  const result = { sent: [], waiting: 0, refused: 0, signedOut: false, retryAfter: null };
  const items = await queued();
  if (!items.length) return result;
  let current;
  try {
    current = await getSession();
  } catch {
    result.waiting = items.length;
    for (const item of items) if (TRACKED.has(item.kind)) await signalTried(item.id, "failed");
    return result;
  }
  // A record that refers to others (`after`: a dose's post-check link) goes once they have
  // reached the server, in this round when they go first.
  const unsent = new Set(items.filter((i) => i.state !== "refused").map((i) => i.id));
  let round = items;
  while (round.length) {
    const deferred = [];
    for (const item of round) {
      if (item.state === "refused") {
        result.refused += 1;
        continue;
      }
      if (item.patient_id !== current.patient_id) {
        // Signed out, or someone else is signed in on this phone now: never send these
        // answers in another patient's session; keep them until their own session returns.
        result.waiting += 1;
        result.signedOut = true;
        if (!current.patient_id && item.last_status !== 401)
          await put("outbox", { ...item, last_status: 401 });
        continue;
      }
      if ((item.after || []).some((id) => unsent.has(id))) {
        deferred.push(item);
        continue;
      }
      if (await send(await fixed(item), result)) unsent.delete(item.id);
    }
    if (deferred.length === round.length) {
      // Nothing they wait for went: they wait for the next flush.
      result.waiting += deferred.length;
      break;
    }
    round = deferred;
  }
  return result;
}

/**
 * The record with its times fixed at the first attempt, on the server's clock when this
 * phone's is off (getSession has just read it): every resend must be the very same record.
 */
async function fixed(item) {
  if (DOSE_KINDS.has(item.kind)) {
    if (item.sent) return item;
    item = { ...item, sent: doseTimes(item) };
  } else {
    const field = item.kind === "signal" ? "sent_answered_at" : "sent_completed_at";
    if (item[field]) return item;
    item = {
      ...item,
      [field]: serverTime(item.kind === "signal" ? item.answered_at : item.completed_at),
    };
  }
  await put("outbox", item);
  return item;
}

/** The path and body a check-in or its safety signal is sent with. */
function checkinRequest(item) {
  if (item.kind === "signal") {
    return [
      "/api/v1/checkins/partial",
      {
        id: item.checkin_id,
        instrument: item.instrument,
        answers: item.answers,
        answered_at: item.sent_answered_at,
      },
    ];
  }
  return [
    "/api/v1/checkins",
    {
      id: item.id,
      instrument: item.instrument,
      answers: item.answers,
      completed_at: item.sent_completed_at,
      // The version asked: a check-in begun before an update is scored as it was asked.
      ...(item.version ? { version: item.version } : {}),
      ...(item.follow_up_of ? { follow_up_of: item.follow_up_of } : {}),
      // The language it was asked in (a check-in queued by an older app has none: English).
      ...(item.language ? { language: item.language } : {}),
    },
  ];
}

/**
 * Send one record and settle it by the server's answer: gone on 2xx; kept to try again on
 * no network, a 5xx or a status worth retrying; kept as refused on any other 4xx. A safety
 * answer's delivery state follows it. True when it reached the server.
 */
async function send(item, result) {
  const tracked = TRACKED.has(item.kind);
  const [path, body] = DOSE_KINDS.has(item.kind) ? doseRequest(item) : checkinRequest(item);
  if (tracked) await signalTried(item.id, "waiting");
  try {
    const answer = await request("POST", path, body);
    await remove("outbox", item.id);
    if (tracked) await put("meta", { key: item.id, value: { state: "sent" } });
    result.sent.push({ id: item.id, body: answer.body });
    broadcast({ type: "sent", id: item.id, body: answer.body });
    return true;
  } catch (error) {
    if (error instanceof NetworkError) {
      result.waiting += 1;
      if (tracked) await signalTried(item.id, "failed");
      return false;
    }
    if (!(error instanceof ApiError)) throw error;
    if (error.status >= 500 || RETRY_LATER.has(error.status)) {
      result.waiting += 1;
      result.signedOut = result.signedOut || error.status === 401;
      // Too many at once (the server's check-in limits): kept, and sent after the wait.
      // The loop goes on: a safety answer behind it is never limited.
      if (error.status === 429)
        result.retryAfter = Math.max(result.retryAfter || 0, error.retryAfter || 60);
      await put("outbox", { ...item, attempts: item.attempts + 1, last_status: error.status });
      if (tracked) await signalTried(item.id, "failed");
      broadcast({ type: "waiting", id: item.id, status: error.status });
      return false;
    }
    // Refused for good (e.g. answers from more than 30 days ago): keep the answers on the
    // phone and say so, rather than dropping them silently or retrying forever.
    result.refused += 1;
    await put("outbox", { ...item, state: "refused", last_status: error.status });
    if (tracked) await put("meta", { key: item.id, value: { state: "refused" } });
    broadcast({ type: "refused", id: item.id });
    return false;
  }
}
