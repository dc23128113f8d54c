// Which language the app speaks, and its words: one catalog per language (words/en.js,
// words/es.js). The language is settled once, when the page loads, from (first that says):
// the invite's URL (/join/es/<token>: the language the clinic chose), the patient's
// own choice kept on this phone, and the phone's languages (navigator.languages). Switching
// keeps the choice and reloads, so every screen and constant is in one language at a time.
// The patient's record follows (app.js): the server's words to the patient use it too.

import en from "./words/en.js";
import es from "./words/es.js";

export const LANGUAGES = ["en", "es"];
const CATALOGS = { en, es };
/** This phone's choice: not PHI (a language), and read before anything else can draw. */
const KEY = "waypoint.language";
/** Set while the patient's record has not heard of a switch made here (an offline switch). */
const PENDING_KEY = "waypoint.language.pending";

function stored(key) {
  try {
    return globalThis.localStorage ? localStorage.getItem(key) : null;
  } catch {
    return null; // storage turned off: the phone's language still applies
  }
}

function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage turned off: the choice lasts this page only.
  }
}

/** The first of the phone's languages that the app speaks, else English. */
export function phoneLanguage(languages = globalThis.navigator ? navigator.languages : []) {
  for (const tag of languages || []) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

function settle() {
  const inPath = globalThis.location ? location.pathname.match(/^\/join\/([a-z]{2})\//) : null;
  const asked = inPath ? inPath[1] : null;
  if (LANGUAGES.includes(asked)) {
    store(KEY, asked);
    return asked;
  }
  const chosen = stored(KEY);
  return LANGUAGES.includes(chosen) ? chosen : phoneLanguage();
}

/** The language of this page: "en" or "es". */
export const LANG = settle();
/**
 * For Intl: the phone's own English formats (en-GB's "13:05"), else US English, for English
 * (a Spanish phone switched to English gets English dates); US Spanish for Spanish.
 */
export const LOCALE =
  LANG === "en"
    ? (globalThis.navigator ? navigator.languages || [] : []).find((tag) => /^en\b/i.test(tag)) ||
      "en-US"
    : "es-US";

/** The words of `key` in this page's language, with `{name}`s filled from `values`. */
export function t(key, values = {}) {
  const text = CATALOGS[LANG][key] ?? en[key];
  if (text === undefined) throw new Error(`No words for ${key}`);
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    name in values ? String(values[name]) : whole,
  );
}

/** Whether a switch made on this phone has not reached the patient's record yet. */
export function languagePending() {
  return stored(PENDING_KEY) === LANG;
}

/** The record has it now. */
export function languageKept() {
  store(PENDING_KEY, null);
}

/**
 * Keep `language` on this phone; `mine` when the patient chose it here (the record follows).
 * False when this phone cannot keep it (storage turned off): then nothing reloads for it.
 */
export function keepLanguage(language, { mine = false } = {}) {
  if (!LANGUAGES.includes(language)) return false;
  store(KEY, language);
  if (mine) store(PENDING_KEY, language);
  return stored(KEY) === language;
}

/** Switch to the other language: kept, and the page drawn again in it. */
export function switchLanguage() {
  if (keepLanguage(LANG === "en" ? "es" : "en", { mine: true })) location.reload();
}

/** Put this page's language on the document: `lang`, and the words of `[data-t]` elements. */
export function translateDocument(root = document) {
  document.documentElement.lang = LANG;
  for (const element of root.querySelectorAll("[data-t]")) {
    element.textContent = t(element.dataset.t);
  }
}
