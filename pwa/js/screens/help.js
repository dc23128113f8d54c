// "Get help now": the crisis resources, reachable from every screen, online or offline.

import * as data from "../data.js";
import { h, show } from "../dom.js";
import { t } from "../i18n.js";
import { resourceList } from "./crisis.js";

/** The help screen. */
export async function helpScreen(app) {
  const resources = await data.crisisResources();
  const profile = await data.cachedMe();
  const monitoring = profile && profile.clinic ? profile.clinic.monitoring_hours : null;
  show(
    app.main,
    t("help.title"),
    h("h1", {}, t("app.getHelp")),
    h("p", { class: "lead" }, t("help.lead")),
    resourceList(resources, { emergencyFirst: true, headingLevel: 2 }),
    h("p", { class: "monitoring" }, monitoring || t("help.notWatched"), t("help.emergency")),
  );
}
