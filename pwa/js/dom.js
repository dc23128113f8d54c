// A tiny element builder: text is always set as text, never parsed as HTML.

/**
 * h("button", {class: "big", onclick: fn, "aria-pressed": "true"}, "Text", child, ...)
 * Attributes whose value is null, undefined or false are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      element.className = value;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace the screen's content, set a generic title and move focus to its heading. */
export function show(main, title, ...children) {
  main.replaceChildren();
  append(main, children);
  // Page titles stay generic: nothing about the patient or their answers.
  document.title = title ? `${title} · Waypoint` : "Waypoint";
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

/** Tell screen-reader users something without moving their focus. */
export function announce(text) {
  const region = document.getElementById("status");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick, so that the same words are announced again.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}
