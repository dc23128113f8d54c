// eslint for pwa/ (`make lint`): plain ES modules in the browser, and a service worker that
// imports some of them. Formatting is prettier's job, so only rules that catch bugs are here.
import { readFileSync } from "node:fs";
import { posix } from "node:path";

import js from "@eslint/js";
import globals from "globals";

const SERVICE_WORKER = "pwa/sw.js";

/** The modules `entry` imports, directly or through others, as paths from the repository. */
function importedBy(entry) {
  const found = new Set();
  const visit = (file) => {
    const source = readFileSync(file, "utf8");
    for (const [, from, bare] of source.matchAll(/\bfrom\s*"([^"]+)"|^import\s*"([^"]+)"/gm)) {
      const specifier = from ?? bare;
      const path = specifier.startsWith("/")
        ? specifier.slice(1)
        : posix.join(posix.dirname(file), specifier);
      if (!found.has(path)) {
        found.add(path);
        visit(path);
      }
    }
  };
  visit(entry);
  return [...found];
}

/** The modules the service worker imports run in both contexts. */
const SHARED = importedBy(SERVICE_WORKER);

/** Globals a window and a service worker both have: all a shared module may use. */
const common = Object.fromEntries(
  Object.entries(globals.browser).filter(([name]) => name in globals.serviceworker),
);

/** Window properties that a misspelt or forgotten local silently resolves to. */
const CONFUSING_GLOBALS = [
  ...["event", "name", "length", "status", "top", "parent", "closed", "origin", "opener"],
  ...["close", "open", "print", "find", "stop"],
];

/** Rules beyond eslint:recommended: each one catches a bug, none is a matter of style. */
const rules = {
  eqeqeq: ["error", "always"],
  "no-unused-vars": ["error", { args: "after-used", caughtErrors: "all" }],
  "no-use-before-define": ["error", { functions: false, classes: true, variables: true }],
  "no-var": "error",
  "prefer-const": "error",
  "no-eval": "error",
  "no-implied-eval": "error",
  "no-new-func": "error",
  "no-script-url": "error",
  "no-throw-literal": "error",
  "no-self-compare": "error",
  "no-template-curly-in-string": "error",
  "no-unmodified-loop-condition": "error",
  "no-unreachable-loop": "error",
  "no-promise-executor-return": "error",
  "no-constructor-return": "error",
  "no-return-assign": "error",
  "array-callback-return": "error",
  radix: "error",
  "no-useless-assignment": "error",
  "no-unassigned-vars": "error",
  "preserve-caught-error": "error",
  "no-duplicate-imports": "error",
  "no-invalid-this": "error",
  "no-restricted-globals": ["error", ...CONFUSING_GLOBALS],
};

/** One context's files with the globals that context has (flat config merges globals). */
const context = (files, ignores, contextGlobals) => ({
  files,
  ignores,
  languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: contextGlobals },
  linterOptions: { reportUnusedDisableDirectives: "error" },
  rules,
});

export default [
  { ignores: ["pwa/vendor/"] },
  js.configs.recommended,
  context(["pwa/**/*.js"], [...SHARED, SERVICE_WORKER], globals.browser),
  context(SHARED, [], common),
  context([SERVICE_WORKER], [], globals.serviceworker),
];
