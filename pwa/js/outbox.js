// The offline queue: a completed check-in is written here before the network is tried, and
// leaves only when the server has answered 2xx. The client's UUID makes every resend harmless.
// Used by the pages (on submit, on `online`, on open) and by the service worker (Background Sync).

import { ApiError, NetworkError, getSession, request, serverTime } from "./api.js";
import { all, getMeta, put, remove, transaction } from "./idb.js";

export const SYNC_TAG = "waypoint-outbox";
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
 * any `meta` facts to keep alongside ({key: value}; a value of null deletes the fact).
 */
export async function enqueue(checkin, meta = {}) {
  // Whose answers these are: they are only ever sent in that patient's own session.
  const patientId = await getMeta("patient_id", null);
  const record = {
    ...checkin,
    patient_id: patientId,
    queued_at: new Date().toISOString(),
    state: "waiting",
    attempts: 0,
  };
  await transaction(["outbox", "drafts", "meta"], "readwrite", (stores) => {
    stores.outbox.put(record);
    stores.drafts.delete(checkin.instrument);
    for (const [key, value] of Object.entries(meta)) {
      if (value === null) stores.meta.delete(key);
      else stores.meta.put({ key, value });
    }
  });
  broadcast({ type: "queued", id: record.id });
  return record;
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

/**
 * How a check-in's safety signal stands: "waiting" (queued or being sent), "failed" (the last
 * attempt did not reach the server), "sent" (answered 2xx), "refused"; null if none was queued.
 */
export async function signalState(checkinId) {
  const fact = await getMeta(signalKey(checkinId), null);
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
    for (const item of items) if (item.kind === "signal") await signalTried(item.id, "failed");
    return result;
  }
  for (let item of items) {
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
    const signal = item.kind === "signal";
    const timeField = signal ? "sent_answered_at" : "sent_completed_at";
    if (!item[timeField]) {
      // On the server's clock when this phone's is off (getSession above just read it), and
      // fixed at the first attempt: every resend must be the very same check-in.
      item = { ...item, [timeField]: serverTime(signal ? item.answered_at : item.completed_at) };
      await put("outbox", item);
    }
    if (signal) await signalTried(item.id, "waiting");
    try {
      const { body } = await request(
        "POST",
        signal ? "/api/v1/checkins/partial" : "/api/v1/checkins",
        signal
          ? {
              id: item.checkin_id,
              instrument: item.instrument,
              answers: item.answers,
              answered_at: item[timeField],
            }
          : {
              id: item.id,
              instrument: item.instrument,
              answers: item.answers,
              completed_at: item[timeField],
              // The version asked: a check-in begun before an update is scored as it was asked.
              ...(item.version ? { version: item.version } : {}),
              ...(item.follow_up_of ? { follow_up_of: item.follow_up_of } : {}),
            },
      );
      await remove("outbox", item.id);
      if (signal) await put("meta", { key: item.id, value: { state: "sent" } });
      result.sent.push({ id: item.id, body });
      broadcast({ type: "sent", id: item.id, body });
    } catch (error) {
      if (error instanceof NetworkError) {
        result.waiting += 1;
        if (signal) await signalTried(item.id, "failed");
        continue;
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
        if (signal) await signalTried(item.id, "failed");
        broadcast({ type: "waiting", id: item.id, status: error.status });
        continue;
      }
      // Refused for good (e.g. answers from more than 30 days ago): keep the answers on the
      // phone and say so, rather than dropping them silently or retrying forever.
      result.refused += 1;
      await put("outbox", { ...item, state: "refused", last_status: error.status });
      if (signal) await put("meta", { key: item.id, value: { state: "refused" } });
      broadcast({ type: "refused", id: item.id });
    }
  }
  return result;
}
