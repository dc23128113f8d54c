// The monitored session's flags, as surveys/monitoring.py computes them: the form shows a
// reading past the clinic's lines as soon as it is typed, before anything is saved. The
// server computes the same flags when the session is recorded (and alerts on the urgent
// ones); tests/clinician/test_monitored_sessions_browser.py (the parity test) holds the two
// to the same cases.

export const READING_WORDS = {
  pre_dose: "before dosing",
  post_40: "about 40 minutes after",
  discharge: "before discharge",
  further: "further reading",
};
/** MOAA/S at or below this is flagged; at or below the urgent one it is urgent. */
export const MOAAS_CAUTION = 3;
export const MOAAS_URGENT = 0;

function readingFlags(index, reading, t) {
  const prefix = `readings.${index}`;
  const where = READING_WORDS[reading.kind] || "reading";
  const { systolic, diastolic, heart_rate: pulse, spo2 } = reading;
  const flags = [];
  if (systolic !== null && diastolic !== null) {
    const pressure = `BP ${systolic}/${diastolic} ${where}`;
    if (systolic >= t.urgent_systolic || diastolic >= t.urgent_diastolic) {
      const line = `${t.urgent_systolic}/${t.urgent_diastolic}`;
      flags.push({
        field: `${prefix}.systolic`,
        level: "urgent",
        message: `${pressure}: at or above ${line}.`,
      });
    } else if (systolic > t.caution_systolic || diastolic > t.caution_diastolic) {
      const line = `${t.caution_systolic}/${t.caution_diastolic}`;
      const advice =
        reading.kind === "pre_dose"
          ? "weigh the risk of a short-term rise against the benefit before dosing"
          : "keep monitoring until it falls";
      flags.push({
        field: `${prefix}.systolic`,
        level: "caution",
        message: `${pressure}: above ${line}; ${advice}.`,
      });
    }
  }
  if (pulse !== null && pulse >= t.urgent_heart_rate) {
    flags.push({
      field: `${prefix}.heart_rate`,
      level: "urgent",
      message: `Heart rate ${pulse} ${where}: at or above ${t.urgent_heart_rate}.`,
    });
  } else if (pulse !== null && pulse > t.caution_heart_rate) {
    flags.push({
      field: `${prefix}.heart_rate`,
      level: "caution",
      message: `Heart rate ${pulse} ${where}: above ${t.caution_heart_rate}.`,
    });
  }
  if (spo2 !== null && spo2 < t.urgent_spo2) {
    flags.push({
      field: `${prefix}.spo2`,
      level: "urgent",
      message: `SpO2 ${spo2}% ${where}: below ${t.urgent_spo2}%.`,
    });
  } else if (spo2 !== null && spo2 < t.caution_spo2) {
    flags.push({
      field: `${prefix}.spo2`,
      level: "caution",
      message: `SpO2 ${spo2}% ${where}: below ${t.caution_spo2}%.`,
    });
  }
  return flags;
}

/**
 * Every flag of `values` ({readings: [{kind, systolic, diastolic, heart_rate, spo2}], moaas,
 * respiratory_depression}; absent numbers are null) against the clinic's `thresholds`.
 */
export function monitoringFlags(values, thresholds) {
  const flags = (values.readings || []).flatMap((r, i) => readingFlags(i, r, thresholds));
  const moaas = values.moaas;
  if (moaas !== null && moaas !== undefined && moaas <= MOAAS_URGENT) {
    flags.push({
      field: "moaas",
      level: "urgent",
      message: "MOAA/S 0: no response to a painful stimulus.",
    });
  } else if (moaas !== null && moaas !== undefined && moaas <= MOAAS_CAUTION) {
    flags.push({
      field: "moaas",
      level: "caution",
      message: `MOAA/S ${moaas}: sedated; monitor until it resolves.`,
    });
  }
  if (values.respiratory_depression) {
    flags.push({
      field: "respiratory_depression",
      level: "urgent",
      message: "Respiratory depression recorded.",
    });
  }
  return flags;
}
