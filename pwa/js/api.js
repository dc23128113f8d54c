// Talking to Waypoint's API: JSON, the session cookie, and the CSRF token on every POST.
// Used by the pages and by the service worker.

const TIMEOUT_MS = 15000;
/** A device clock off by more than this gets its times corrected before they are sent. */
const CLOCK_TOLERANCE_MS = 60000;
let csrf = null;
/** The page's language for the server's words (Accept-Language); set by the pages (speak). */
let language = null;

/** Ask the server for its words in `lang` ("en" or "es") from now on. */
export function speak(lang) {
  language = lang;
}
/** The server's clock minus this device's, in ms, from the Date header of the latest answer. */
let clockOffset = 0;

/** The network could not be reached (or answered too slowly to count). */
export class NetworkError extends Error {}

/** The server answered with an error status; `body` is its JSON error, if any. */
export class ApiError extends Error {
  constructor(status, body, retryAfter = null) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    /** Seconds the server asked to wait (Retry-After of a 429 or 503), or null. */
    this.retryAfter = retryAfter;
  }
}

/** Learn the server's time from an answer's Date header (whole seconds, hence the half second). */
function noteServerClock(response, sentAt) {
  const server = Date.parse(response.headers.get("Date") || "");
  if (Number.isNaN(server)) return;
  clockOffset = server + 500 - (sentAt + Date.now()) / 2;
}

/**
 * A time taken from this device's clock (ISO 8601), on the server's clock instead when the two
 * differ by more than a minute: the server refuses check-ins from more than 5 minutes ahead.
 */
export function serverTime(iso) {
  if (Math.abs(clockOffset) <= CLOCK_TOLERANCE_MS) return iso;
  return new Date(Date.parse(iso) + clockOffset).toISOString();
}

async function send(method, path, body) {
  const headers = { Accept: "application/json" };
  if (language) headers["Accept-Language"] = language;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  const sentAt = Date.now();
  try {
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: abort.signal,
    });
    // A service worker of an earlier version answered definitions from its cache, with the
    // Date of long ago; one may still control this page until the new one takes over.
    if (!path.startsWith("/api/v1/instruments")) noteServerClock(response, sentAt);
    return response;
  } catch {
    throw new NetworkError("The network could not be reached.");
  } finally {
    clearTimeout(timer);
  }
}

async function json(response) {
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** Who is signed in on this device; also refreshes the CSRF token. */
export async function getSession() {
  const response = await send("GET", "/api/v1/auth/session");
  const body = await json(response);
  if (!response.ok) throw new ApiError(response.status, body);
  csrf = body.csrf_token;
  return body;
}

/** A JSON request; resolves to {status, body} on 2xx and throws ApiError or NetworkError. */
export async function request(method, path, body) {
  if (method !== "GET" && !csrf) await getSession();
  let response = await send(method, path, body);
  if (response.status === 403 && method !== "GET") {
    // The token may belong to an older session on this device: fetch the current one once.
    await getSession();
    response = await send(method, path, body);
  }
  const payload = await json(response);
  if (!response.ok) {
    const wait = Number.parseInt(response.headers.get("Retry-After") || "", 10);
    throw new ApiError(response.status, payload, Number.isNaN(wait) ? null : wait);
  }
  return { status: response.status, body: payload };
}

/** Redeem a one-time invite token; the session cookie arrives with the answer. */
export async function redeem(token) {
  const response = await send("POST", "/api/v1/auth/redeem", { token });
  const body = await json(response);
  if (!response.ok) throw new ApiError(response.status, body);
  csrf = body.csrf_token;
  return body;
}
