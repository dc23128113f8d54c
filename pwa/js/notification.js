// What a Web Push notification shows and where tapping it leads. The server's payloads carry
// no PHI (worker/channels/content.py): a title, a body, a tag and a link into Waypoint.
// Used by the service worker; pure, so that the pages can use (and tests can check) it too.

/** The words of a check-in reminder: shown when a push brings no words of its own. */
export const REMINDER = {
  title: "Waypoint",
  body: "A check-in is ready when you are.",
  tag: "waypoint-reminder",
  url: "/",
};
const MAX_TEXT = 300;

/** A link into this app: same-origin http(s) only (as a path); anything else is "/". */
export function safeUrl(url, origin) {
  if (typeof url !== "string" || !url) return "/";
  try {
    const parsed = new URL(url, origin);
    if (parsed.origin !== origin || !/^https?:$/.test(parsed.protocol)) return "/";
    return `${parsed.pathname}${parsed.search}${parsed.hash}`;
  } catch {
    return "/";
  }
}

function text(payload, key) {
  const value = payload[key];
  return typeof value === "string" && value.trim() ? value.trim().slice(0, MAX_TEXT) : null;
}

/** {title, body, tag, url} of a push whose data is `raw` (JSON text, or nothing). */
export function fromPush(raw, origin) {
  let payload = null;
  try {
    payload = raw ? JSON.parse(raw) : null;
  } catch {
    // Not JSON: shown as a reminder, like a push with no data.
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return { ...REMINDER };
  const title = text(payload, "title");
  const body = text(payload, "body");
  if (!title && !body) return { ...REMINDER, url: safeUrl(payload.url, origin) };
  return {
    title: title || REMINDER.title,
    body: body || "",
    tag: text(payload, "tag") || REMINDER.tag,
    url: safeUrl(payload.url, origin),
  };
}
