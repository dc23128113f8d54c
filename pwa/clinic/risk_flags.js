// Risk flags in words: a positive safety screen still shown, a worsening against the lowest
// score under review (with its Dismiss button on the patient page), a same-day retake.

import { request } from "/pwa/js/api.js";
import { announce, h } from "/pwa/js/dom.js";
import { INSTRUMENT_WORDS, day, errorText, relative } from "./format.js";

const SHORT = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

/** "+9 from lowest 7, Nov 5": a rise is never shown beside a figure that reads as improvement. */
export function fromLowestWords(flag) {
  return `+${flag.rise} from lowest ${flag.lowest}, ${SHORT.format(new Date(flag.lowest_at))}`;
}

/** "Item 9 positive 3 days ago", "PHQ-9 +9 from lowest 7, Nov 5". */
export function flagWords(flag) {
  if (flag.kind === "relapse")
    return `${INSTRUMENT_WORDS[flag.instrument] || flag.instrument} ${fromLowestWords(flag)}`;
  return `${flag.label} ${relative(flag.at)}`;
}

/** What keeps a resolved safety flag shown, or that a relapse waits for review. */
function flagState(flag) {
  if (flag.kind === "relapse") return "under review until dismissed";
  if (flag.open) return "alert not resolved";
  return `resolved, shown until ${day(flag.until)}`;
}

/** The flags of a panel row, one line each. */
export function flagLines(flags) {
  if (!flags || !flags.length) return null;
  return h(
    "ul",
    { class: "risk-flags" },
    flags.map((flag) =>
      h(
        "li",
        { class: `risk-flag risk-flag-${flag.kind}`, "data-kind": flag.kind },
        flagWords(flag),
      ),
    ),
  );
}

/** "Retaken within a day (18 → 1): the higher answer counts" for an instrument's summary. */
export function retakeWords(score) {
  const retake = score && score.retake;
  if (!retake) return "";
  const times = `${retake.n} check-ins within a day`;
  if (retake.implausible)
    return `${times}, a fall of ${retake.highest - retake.latest} (${retake.highest} → ${retake.latest}) too large to be real change: ${retake.highest} counts`;
  return `${times}: the highest (${retake.highest}) counts`;
}

/** The patient page's card: every flag with why it is still shown; Dismiss for a relapse. */
export function riskCard(patientId, flags, summary, refresh) {
  const items = flags.map((flag) => {
    const parts = [h("strong", {}, flagWords(flag)), ` (${flagState(flag)})`];
    if (flag.kind !== "relapse") return h("li", { "data-kind": flag.kind }, parts);
    const note = h("input", {
      id: `dismiss-note-${flag.id}`,
      type: "text",
      maxlength: "2000",
      autocomplete: "off",
    });
    const error = h("p", { class: "error", role: "alert" });
    const button = h("button", { type: "submit", class: "secondary" }, "Dismiss after review");
    const form = h(
      "form",
      { class: "dismiss", "aria-label": `Dismiss: ${flagWords(flag)}` },
      h("label", { for: note.id }, "Review note (optional)"),
      note,
      button,
      error,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      button.disabled = true;
      try {
        await request("POST", `/api/v1/patients/${patientId}/risk-flags/${flag.id}/dismiss`, {
          note: note.value.trim() || null,
        });
        announce("Flag dismissed.");
        refresh();
      } catch (failure) {
        error.textContent = errorText(failure);
        button.disabled = false;
      }
    });
    return h(
      "li",
      { "data-kind": "relapse" },
      parts,
      h("p", { class: "meta" }, `Raised ${day(flag.raised_at)}; a new course does not clear it.`),
      form,
    );
  });
  const retakes = Object.entries(summary || {})
    .filter(([, score]) => score && score.retake)
    .map(([code, score]) =>
      h(
        "li",
        { "data-kind": "retake" },
        `${INSTRUMENT_WORDS[code] || code}: ${retakeWords(score)}`,
      ),
    );
  if (!items.length && !retakes.length) return null;
  return h(
    "section",
    { class: "card risk-card", "aria-labelledby": "risk-heading" },
    h("h2", { id: "risk-heading" }, "Risk flags"),
    h("ul", { class: "plain", id: "risk-flags" }, items, retakes),
  );
}

/**
 * The change words beside an instrument's trend: a worsening against the lowest score as
 * such ("+9 from lowest 7, Nov 5"), never a course change that reads as improvement.
 */
export function trendChangeWords(code, score, flags, changeWords) {
  const relapse = (flags || []).find((f) => f.kind === "relapse" && f.instrument === code);
  if (relapse) return fromLowestWords(relapse);
  const episode = score && score.episode;
  const worsening = score && ["worsening", "worsening_after_response"].includes(score.status);
  if (worsening && episode && episode.from_lowest > 0)
    return fromLowestWords({
      rise: episode.from_lowest,
      lowest: episode.lowest,
      lowest_at: episode.lowest_at,
    });
  return changeWords(score);
}
