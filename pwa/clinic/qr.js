// A QR code drawn by the API (SVG text in its JSON answer), shown as an image: an image runs
// no script, whatever the text holds. Used by the patient's invite and two-step set-up.

import { h } from "/pwa/js/dom.js";

/** The SVG text as an <img> source (the CSP allows data: images). */
export function svgImage(svg, alt, attrs = {}) {
  return h("img", {
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
    alt,
    width: 220,
    height: 220,
    class: "qr",
    ...attrs,
  });
}
