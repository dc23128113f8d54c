// The booster forecast's backtest on this clinic's own history (administrators): calibration,
// lead time before the loss of response and false alarms, beside a fixed booster interval and
// the patient's last interval, as `waypoint forecast-report --clinic` prints it.

import { request } from "/pwa/js/api.js";
import { h, show } from "/pwa/js/dom.js";

/** The report screen; the figures are aggregate, with no patient rows. */
export async function renderForecastReport(main) {
  show(
    main,
    "Booster forecast report",
    h("p", {}, h("a", { href: "/clinic/admin" }, "← Clinic")),
    h("h1", {}, "Booster forecast report"),
    h("p", { role: "status", class: "meta" }, "Running the backtest on this clinic's history…"),
  );
  const { body } = await request("GET", "/api/v1/reports/forecast");
  show(
    main,
    "Booster forecast report",
    h("p", {}, h("a", { href: "/clinic/admin" }, "← Clinic")),
    h("h1", {}, "Booster forecast report"),
    h(
      "p",
      {},
      "Each session after a response, the forecast, a fixed interval and the last interval each " +
        "say when a booster would have been due, from what was known then; the PHQ-9s that " +
        "followed say whether the response was lost. The forecast is decision support, never " +
        "an instruction. Method and limits: the clinical documentation, “Booster forecast”.",
    ),
    h("pre", { id: "forecast-report", tabindex: "0" }, body.text),
  );
  main.dataset.view = "forecast-report";
}
