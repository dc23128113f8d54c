// "Clinic": the way to the screens that run the clinic rather than a patient's care.

import { h, show } from "/pwa/js/dom.js";

const SCREENS = [
  ["/clinic/patients/new", "Add a patient", "Enrol a patient and hand over their invite.", false],
  ["/clinic/outcomes", "Outcomes", "Response and remission rates, check-in completion.", false],
  [
    "/clinic/settings",
    "Clinic settings",
    "Crisis resources, monitoring hours, alert rules, escalation, webhook.",
    true,
  ],
  ["/clinic/audit", "Audit log", "Who read or changed what, and when.", true],
  [
    "/clinic/forecast-report",
    "Booster forecast report",
    "How the booster forecast would have done on this clinic's history, beside today's rules.",
    true,
  ],
];

/** The list of clinic screens; those for administrators only show to them. */
export function renderClinicAdmin(main, staff) {
  const admin = Boolean(staff && staff.role === "admin");
  const items = SCREENS.filter(([, , , adminOnly]) => admin || !adminOnly);
  show(
    main,
    "Clinic",
    h("h1", {}, "Clinic"),
    h(
      "ul",
      { class: "plain screen-list", id: "clinic-screens" },
      items.map(([href, title, words]) =>
        h("li", { class: "card" }, h("h2", {}, h("a", { href }, title)), h("p", {}, words)),
      ),
    ),
    admin
      ? null
      : h(
          "p",
          { class: "meta" },
          "Settings and the audit log are for the clinic's administrators.",
        ),
  );
}
