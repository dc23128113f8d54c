// "Get help now": the crisis resources, reachable from every screen, online or offline.

import * as data from "../data.js";
import { h, show } from "../dom.js";
import { resourceList } from "./crisis.js";

/** The help screen. */
export async function helpScreen(app) {
  const resources = await data.crisisResources();
  const profile = await data.cachedMe();
  const monitoring = profile && profile.clinic ? profile.clinic.monitoring_hours : null;
  show(
    app.main,
    "Help",
    h("h1", {}, "Get help now"),
    h(
      "p",
      { class: "lead" },
      "If you are thinking about hurting yourself, or you are in danger, please reach out now. " +
        "You do not have to wait for your care team.",
    ),
    resourceList(resources, { emergencyFirst: true, headingLevel: 2 }),
    h(
      "p",
      { class: "monitoring" },
      monitoring || "Your care team does not watch this app all day and night.",
      " In an emergency, call emergency services right away.",
    ),
  );
}
