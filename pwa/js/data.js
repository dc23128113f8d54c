// What the app knows about the patient and the instruments, online or offline.
// Fresh from the API when the network answers; otherwise the copy kept on this phone.

import { ApiError, NetworkError, getSession, request } from "./api.js";
import { LANG } from "./i18n.js";
import { getMeta, setMeta, transaction } from "./idb.js";

/** Where this phone keeps its copy of a definition in the page's language. */
function definitionKey(code) {
  return LANG === "en" ? `definition:${code}` : `definition:${code}:${LANG}`;
}

/** The US default, used only if this phone has never loaded the clinic's own list. */
export const FALLBACK_RESOURCES = [
  { name: "Emergency services", phone: "911", sms: null, url: null, kind: "emergency" },
  {
    name: "988 Suicide & Crisis Lifeline",
    phone: "988",
    sms: "988",
    url: "https://988lifeline.org/chat/",
    kind: "crisis_line",
  },
  {
    name: "Crisis Text Line",
    phone: null,
    sms: "741741",
    sms_keyword: "HOME",
    url: null,
    kind: "crisis_line",
  },
];

/**
 * {signedIn, offline, switched}: from the server when reachable, else what this phone last
 * knew; `switched` is true when another patient than before is now signed in here.
 */
export async function session() {
  try {
    const body = await getSession();
    const signedIn = body.signed_in && body.kind === "patient";
    const switched = signedIn ? await rememberPatient(body.patient_id) : false;
    await setMeta("signed_in", signedIn);
    return { signedIn, offline: false, switched, language: signedIn ? body.language : null };
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    return {
      signedIn: await getMeta("signed_in", false),
      offline: true,
      switched: false,
      language: null,
    };
  }
}

/** Facts about one patient that must not carry over when another patient signs in here. */
const PER_PATIENT_META = [
  "me",
  "last",
  "followup",
  "completed_once",
  "reminders_answered",
  "history",
  "support_since",
  "dosing",
  "dose_log",
  "dose_pending",
  "dose_check",
];

/**
 * Remember who is signed in. When it is someone else than before, forget the previous
 * patient's drafts and profile (their queued check-ins stay, and are sent only as them).
 * True when it is someone else than before.
 */
async function rememberPatient(patientId) {
  const previous = await getMeta("patient_id", null);
  if (previous === patientId) return false;
  await transaction(["drafts", "meta"], "readwrite", (stores) => {
    if (previous !== null) {
      stores.drafts.clear();
      for (const key of PER_PATIENT_META) stores.meta.delete(key);
    }
    stores.meta.put({ key: "patient_id", value: patientId });
  });
  return previous !== null;
}

/** The patient's profile (clinic, crisis resources, what is due); cached for offline use. */
export async function me(asked = null) {
  try {
    const { body } = await (asked || request("GET", "/api/v1/me"));
    await setMeta("me", body);
    return body;
  } catch (error) {
    if (error instanceof NetworkError) {
      const cached = await getMeta("me");
      if (cached) return cached;
    }
    throw error;
  }
}

/**
 * A check-in screen opened on a phone that holds nothing of it yet (a first open, storage
 * cleared): ask for all it needs at once, beside the session request rather than after it,
 * so the first question waits on one round trip instead of three. Only the answers come
 * early: the profile and the plan are kept on this phone by `me(asked)` and
 * `dosingPlan(asked)` once the session has said whose phone it is. {me, plan}: the requests.
 */
export function prefetch(code) {
  const asked = {
    me: request("GET", "/api/v1/me"),
    plan: request("GET", "/api/v1/me/home-dosing"),
  };
  // Signed out or offline: the readers (or nobody) see the failure; it is not an error here.
  for (const promise of Object.values(asked)) promise.catch(() => undefined);
  refreshDefinition(code).catch(() => undefined);
  return asked;
}

/** The cached profile only (never waits on the network), or null. */
export function cachedMe() {
  return getMeta("me", null);
}

/** The clinic's crisis resources as this phone knows them (never empty). */
export async function crisisResources() {
  const profile = await cachedMe();
  return profile && profile.crisis_resources && profile.crisis_resources.length
    ? profile.crisis_resources
    : FALLBACK_RESOURCES;
}

/** Refreshes of definitions in flight, by code: one request each however many screens ask. */
const refreshing = new Map();
/** When this page last had each definition from the server (ms): not asked again at once. */
const refreshed = new Map();
const FRESH_MS = 60_000;

function justRefreshed(code) {
  return refreshed.has(code) && Date.now() - refreshed.get(code) < FRESH_MS;
}

/**
 * The server's current definition, kept as this phone's copy for the next check-in. Only
 * something that looks like the asked-for definition replaces the copy.
 */
export function refreshDefinition(code) {
  if (!refreshing.has(code)) {
    // In the page's language: one with no verified translation comes in English (its language).
    const query = LANG === "en" ? "" : `?language=${LANG}`;
    const fetching = request("GET", `/api/v1/instruments/${encodeURIComponent(code)}${query}`)
      .then(async ({ body }) => {
        if (!body || body.code !== code || !Array.isArray(body.items) || !body.version) {
          throw new ApiError(502, null);
        }
        await setMeta(definitionKey(code), body);
        refreshed.set(code, Date.now());
        return body;
      })
      .finally(() => refreshing.delete(code));
    refreshing.set(code, fetching);
  }
  return refreshing.get(code);
}

/**
 * The definition to start a check-in with. Stale-while-revalidate: this phone's copy at once
 * when it has one (a screen it has drawn before never waits on the network), refreshed in the
 * background so that a new version on the server is used from the next check-in on; the
 * server's answer only when this phone has never had the definition.
 */
export async function definition(code) {
  const local = await cachedDefinition(code);
  if (local && justRefreshed(code)) return local;
  const fresh = refreshDefinition(code);
  if (!local) return fresh;
  fresh.catch(() => undefined); // offline or signed out: the copy on this phone stays
  return local;
}

/** This phone's own copy of a definition (never waits on the network), or null. */
export function cachedDefinition(code) {
  return getMeta(definitionKey(code), null);
}

/**
 * Load every instrument while online, so that any check-in (and its follow-up) works offline;
 * one this page had from the server within the last minute is not asked for again.
 */
export async function warmUp(profile) {
  const codes = ((profile && profile.instruments) || []).filter((code) => !justRefreshed(code));
  await Promise.allSettled(codes.map((code) => refreshDefinition(code)));
}

/** Keep the app's language on the patient's record (reminders and the server's words). */
export async function keepLanguageOnRecord(language) {
  await request("PUT", "/api/v1/me/language", { language });
}

/** The patient's own check-ins from the server, newest first; kept on this phone too. */
export async function history() {
  const { body } = await request("GET", "/api/v1/me/checkins");
  await setMeta("history", body.items);
  return body.items;
}

/** The check-ins as this phone last had them from the server (never waits on it), or null. */
export function cachedHistory() {
  return getMeta("history", null);
}

/**
 * The patient's home-dosing plan from the server (`GET /api/v1/me/home-dosing`: the plan, its
 * version, the doses on its prescription), kept on this phone so that the pre-dose check
 * gates a dose with no network. Offline: this phone's copy.
 */
export async function dosingPlan(asked = null) {
  try {
    const { body } = await (asked || request("GET", "/api/v1/me/home-dosing"));
    await setMeta("dosing", body);
    return body;
  } catch (error) {
    if (error instanceof NetworkError) return cachedDosingPlan();
    throw error;
  }
}

/** The home-dosing plan as this phone last had it (never waits on the network), or null. */
export function cachedDosingPlan() {
  return getMeta("dosing", null);
}
