// The trend chart: PHQ-9 and GAD-7 over time on the vendored Chart.js, one shared time axis and
// one panel per instrument (PHQ-9 above, 0-27; GAD-7 below, 0-21), each with its own severity
// bands shaded behind its own line, a marker per session (route and dose on hover), item-9
// endorsements marked, and each instrument's current-course baseline, response and remission
// lines. Numbers and bands come from the trend API (each instrument's definition).

import { loadChartJs } from "/pwa/js/chart.js";
import { MODALITY_WORDS, day, doseWords } from "./format.js";

export const COLOURS = {
  phq9: "#1f5f5b",
  gad7: "#6a3d9a",
  mood: "#b35806",
  item9: "#a4161a",
  session: "#35546b",
  baseline: "#4a4a4a",
  response: "#2e6b30",
  remission: "#1b4f8a",
  forecast: "#8a5a00",
  text: "#18201f",
};
const BAND_FILL = {
  minimal: "#e6f2ea",
  mild: "#eff5de",
  moderate: "#fbf1d8",
  moderately_severe: "#fbe5d6",
  severe: "#f8dcdc",
};
const DAY_MS = 86400000;
/** A course plan's phases, as a strip along the foot of the chart (the bands stay behind). */
export const PHASE_FILL = {
  induction: "#d9e4f5",
  continuation: "#e4dcf3",
  maintenance: "#dcefe9",
};
export const PHASE_WORDS = {
  induction: "Induction",
  continuation: "Continuation",
  maintenance: "Maintenance",
};
const STRIP = 16;

const overlay = {
  id: "waypointOverlay",
  beforeDatasetsDraw(chart, _args, options) {
    const { ctx, chartArea } = chart;
    ctx.save();
    ctx.font = "12px system-ui, sans-serif";
    for (const panel of options.panels) {
      const scale = chart.scales[panel.axis];
      for (const band of panel.bands) {
        const top = scale.getPixelForValue(Math.min(band.max + 0.5, panel.max));
        const bottom = scale.getPixelForValue(Math.max(band.min - 0.5, 0));
        ctx.fillStyle = BAND_FILL[band.code] || "#eeeeee";
        ctx.fillRect(chartArea.left, top, chartArea.right - chartArea.left, bottom - top);
        ctx.fillStyle = COLOURS.text;
        ctx.textAlign = "left";
        ctx.textBaseline = "top";
        if (bottom - top > 14) ctx.fillText(band.label, chartArea.left + 4, top + 2);
      }
      // A white rule between the panels: the bands of one never run into the other's.
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(chartArea.left, scale.top - 1, chartArea.right - chartArea.left, 2);
    }
    ctx.restore();
  },
  afterDatasetsDraw(chart, _args, options) {
    const { ctx, chartArea, scales } = chart;
    ctx.save();
    ctx.lineWidth = 1.5;
    ctx.setLineDash([2, 3]);
    ctx.strokeStyle = COLOURS.session;
    for (const at of options.sessions) {
      const x = scales.x.getPixelForValue(at);
      if (x < chartArea.left || x > chartArea.right) continue;
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    ctx.textAlign = "left";
    for (const phase of options.phases) {
      const from = Math.max(chartArea.left, scales.x.getPixelForValue(phase.from));
      const to = Math.min(chartArea.right, scales.x.getPixelForValue(phase.to));
      if (to <= from) continue;
      const top = chartArea.bottom - STRIP;
      ctx.fillStyle = PHASE_FILL[phase.name] || "#eeeeee";
      ctx.fillRect(from, top, to - from, STRIP);
      ctx.fillStyle = COLOURS.text;
      const words = PHASE_WORDS[phase.name] || phase.name;
      if (ctx.measureText(words).width + 6 < to - from) {
        ctx.fillText(words, from + 3, top + STRIP / 2);
      }
    }
    drawForecast(ctx, chartArea, scales.x, options.forecast);
    ctx.setLineDash([6, 4]);
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    for (const line of options.lines) {
      const y = scales[line.axis].getPixelForValue(line.y);
      const from = Math.max(chartArea.left, scales.x.getPixelForValue(line.from));
      ctx.strokeStyle = line.colour;
      ctx.beginPath();
      ctx.moveTo(from, y);
      ctx.lineTo(chartArea.right, y);
      ctx.stroke();
      ctx.fillStyle = line.colour;
      ctx.fillText(line.label, chartArea.right - 4, y - 2);
    }
    ctx.restore();
  },
};

/** The booster forecast's range as a translucent band, its day as a dashed line, labelled. */
function drawForecast(ctx, area, x, band) {
  if (!band) return;
  const from = Math.max(area.left, x.getPixelForValue(band.from));
  const to = Math.min(area.right, x.getPixelForValue(band.to));
  if (to > from) {
    ctx.fillStyle = "rgba(138, 90, 0, 0.12)";
    ctx.fillRect(from, area.top, to - from, area.bottom - area.top);
  }
  const at = x.getPixelForValue(band.at);
  if (at < area.left || at > area.right) return;
  ctx.setLineDash([4, 3]);
  ctx.strokeStyle = COLOURS.forecast;
  ctx.beginPath();
  ctx.moveTo(at, area.top);
  ctx.lineTo(at, area.bottom);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = COLOURS.forecast;
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = at > (area.left + area.right) / 2 ? "right" : "left";
  ctx.textBaseline = "top";
  ctx.fillText(band.label, at + (ctx.textAlign === "right" ? -4 : 4), area.top + 4);
}

/** Each instrument's panel: its own y axis (a stacked scale) and its own bands. */
const PANELS = [
  { code: "phq9", label: "PHQ-9", axis: "y", weight: 27 },
  { code: "gad7", label: "GAD-7", axis: "yGad7", weight: 21 },
];

function referenceLines(body, axis) {
  const trend = body.trend;
  if (!trend.n) return [];
  const from = new Date(trend.course_start).getTime();
  // The baseline says when it was not a pre-treatment score, and when response and
  // remission cannot be counted from it (the API then sends no response or remission line).
  const notes = [
    trend.baseline_kind === "after_first_session" ? "after first session" : null,
    trend.response_measurable ? null : "not measurable for response",
  ].filter(Boolean);
  const lines = [
    {
      axis,
      y: trend.baseline,
      from,
      colour: COLOURS.baseline,
      label: `Baseline ${trend.baseline}${notes.length ? ` (${notes.join("; ")})` : ""}`,
    },
  ];
  if (body.response_line !== null) {
    lines.push({
      axis,
      y: body.response_line,
      from,
      colour: COLOURS.response,
      label: `Response (≤ ${body.response_line})`,
    });
  }
  if (body.remission_below !== null) {
    lines.push({
      axis,
      y: body.remission_below - 0.5,
      from,
      colour: COLOURS.remission,
      label: `Remission (< ${body.remission_below})`,
    });
  }
  return lines;
}

function yScale(panel, body) {
  return {
    type: "linear",
    position: "left",
    stack: "instruments",
    stackWeight: panel.weight,
    min: 0,
    max: body.score_max,
    ticks: {
      color: COLOURS.text,
      stepSize: 5,
      // The upper panel's 0 would sit on the lower panel's top label.
      callback: (value) => (value === 0 && panel.axis === "y" ? "" : value),
    },
    title: { display: true, text: `${panel.label} total`, color: COLOURS.text },
  };
}

function line(trend, code, label, dashed, axis = "y") {
  return {
    type: "line",
    label,
    yAxisID: axis,
    data: trend.points.map((p) => ({ x: new Date(p.at).getTime(), y: p.total, point: p })),
    borderColor: COLOURS[code],
    backgroundColor: trend.points.map((p) => (p.safety_endorsed ? COLOURS.item9 : COLOURS[code])),
    pointStyle: trend.points.map((p) => (p.safety_endorsed ? "triangle" : "circle")),
    pointRadius: trend.points.map((p) => (p.safety_endorsed ? 9 : 4)),
    pointHoverRadius: 10,
    borderWidth: 2.5,
    borderDash: dashed ? [6, 4] : [],
    tension: 0,
  };
}

/** The highest blood pressure of a session's readings ("152/94"), or of its two old fields. */
export function bpPeak(session) {
  const readings = (session.readings || []).filter((r) => r.systolic);
  if (!readings.length && session.bp_post_systolic) {
    readings.push({ systolic: session.bp_post_systolic, diastolic: session.bp_post_diastolic });
  }
  if (!readings.length) return null;
  const top = readings.reduce((a, b) => (b.systolic > a.systolic ? b : a));
  return `${top.systolic}/${top.diastolic}`;
}

/** A session marker's words: route and dose, the blood-pressure peak and the dissociation
 * ("Session 2 Dec 2026: IV 35 mg (Induction); BP peak 152/94; CADSS 18"). */
export function sessionWords(s) {
  const parts = [
    `Session ${day(s.administered_at)}: ${MODALITY_WORDS[s.modality]} ${doseWords(s)} (${s.course_label})`,
  ];
  const peak = bpPeak(s);
  if (peak) parts.push(`BP peak ${peak}`);
  if (s.cadss !== null && s.cadss !== undefined) {
    parts.push(`${s.cadss_form === "cadss6" ? "CADSS-6" : "CADSS"} ${s.cadss}`);
  }
  if (s.moaas !== null && s.moaas !== undefined) parts.push(`MOAA/S ${s.moaas}`);
  return parts.join("; ");
}

function tooltipLabel(item) {
  const raw = item.raw;
  if (raw.session) return sessionWords(raw.session);
  const p = raw.point;
  if (item.dataset.yAxisID === "mood") return `${item.dataset.label} ${p.total} of 10`;
  const item9 = p.safety_endorsed ? "; item 9 endorsed" : "";
  return `${item.dataset.label} ${p.total}, ${(p.severity_label || "").toLowerCase()}${item9}`;
}

/** Draw the PHQ-9 (`phq`), GAD-7 (`gad`) and daily mood (`mood`, optional) trend bodies into
 * `canvas`; returns the chart. The mood rating (0-10, higher is better, not validated) has its
 * own axis on the right and no bands. `phases`: [{name, from, to}] (epoch ms) of the course
 * plans, drawn as a labelled strip along the foot. `forecast`: {from, to, at, label} (epoch
 * ms) of the booster forecast (forecast_band.js), a band across both panels. */
export async function drawTrend(canvas, phq, gad, mood = null, phases = [], forecast = null) {
  const moodPoints = mood ? mood.points : [];
  const Chart = await loadChartJs();
  const sessions = phq.sessions.map((s) => ({
    x: new Date(s.administered_at).getTime(),
    y: phq.score_max,
    session: s,
  }));
  const times = [...phq.points, ...gad.points, ...moodPoints]
    .map((p) => new Date(p.at).getTime())
    .concat(sessions.map((s) => s.x))
    .concat(forecast ? [forecast.to] : []);
  const now = Date.now();
  const min = (times.length ? Math.min(...times) : now - 28 * DAY_MS) - 2 * DAY_MS;
  const max = (times.length ? Math.max(...times) : now) + 2 * DAY_MS;
  const reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const existing = Chart.getChart(canvas);
  if (existing) existing.destroy();
  return new Chart(canvas, {
    data: {
      datasets: [
        line(phq, "phq9", "PHQ-9", false, "y"),
        line(gad, "gad7", "GAD-7", true, "yGad7"),
        {
          type: "scatter",
          label: "Sessions",
          data: sessions,
          yAxisID: "y", // on the top edge of the PHQ-9 panel, the upper one
          pointStyle: "triangle",
          rotation: 180,
          clip: false, // the markers sit on the top edge of the plot
          pointRadius: 7,
          pointHoverRadius: 10,
          backgroundColor: COLOURS.session,
          borderColor: COLOURS.session,
        },
        // Last, so the datasets before it keep their places.
        ...(mood
          ? [{ ...line(mood, "mood", "Daily mood", false, "mood"), pointStyle: "rectRot" }]
          : []),
      ],
    },
    options: {
      animation: reduceMotion ? false : { duration: 300 },
      maintainAspectRatio: false,
      layout: { padding: { top: 12 } },
      interaction: { mode: "nearest", intersect: true },
      scales: {
        x: {
          type: "linear",
          min,
          max,
          ticks: {
            color: COLOURS.text,
            callback: (value) => day(new Date(value).toISOString()),
            maxTicksLimit: 8,
          },
          grid: { display: false },
        },
        // Stacked scales: Chart.js lays the first listed at the bottom, so GAD-7 comes first.
        yGad7: yScale(PANELS[1], gad),
        y: yScale(PANELS[0], phq),
        mood: {
          display: moodPoints.length > 0,
          position: "right",
          min: 0,
          max: 10,
          ticks: { color: COLOURS.mood, stepSize: 2 },
          grid: { display: false },
          title: {
            display: true,
            text: "Daily mood (0-10, higher is better)",
            color: COLOURS.mood,
          },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: tooltipLabel,
            title: (items) => day(new Date(items[0].raw.x).toISOString()),
          },
        },
        waypointOverlay: {
          panels: [phq, gad].map((body, i) => ({
            instrument: PANELS[i].code,
            axis: PANELS[i].axis,
            bands: body.bands,
            max: body.score_max,
          })),
          sessions: sessions.map((s) => s.x),
          phases,
          forecast,
          lines: [...referenceLines(phq, "y"), ...referenceLines(gad, "yGad7")],
        },
      },
    },
    plugins: [overlay],
  });
}
