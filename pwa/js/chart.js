// The history chart: Chart.js (vendored, loaded only here) with the instrument's severity
// bands drawn behind the line, labelled in words.

const BAND_COLOURS = {
  light: ["#e3f1ea", "#eef4dc", "#fbf0d5", "#fbe3d3", "#f7d9d9"],
  dark: ["#1d3a30", "#2c3a1e", "#3d3419", "#3f2a1c", "#40211f"],
};

let loading = null;

/** Chart.js, imported once on first use (the patient's history and the clinic's trend). */
export function loadChartJs() {
  // The UMD build sets globalThis.Chart when imported as a module.
  loading = loading || import("/pwa/vendor/chart.umd.min.js").then(() => globalThis.Chart);
  return loading;
}

function palette() {
  const dark = matchMedia("(prefers-color-scheme: dark)").matches;
  const style = getComputedStyle(document.documentElement);
  return {
    bands: dark ? BAND_COLOURS.dark : BAND_COLOURS.light,
    line: style.getPropertyValue("--accent").trim() || "#1f5f5b",
    text: style.getPropertyValue("--text").trim() || "#1b2322",
    grid: style.getPropertyValue("--border").trim() || "#c9d3d1",
  };
}

const bandsPlugin = {
  id: "waypointBands",
  beforeDatasetsDraw(chart, _args, options) {
    const { ctx, chartArea, scales } = chart;
    ctx.save();
    options.bands.forEach((band, i) => {
      const top = scales.y.getPixelForValue(
        band.max + 0.5 > options.max ? options.max : band.max + 0.5,
      );
      const bottom = scales.y.getPixelForValue(Math.max(band.min - 0.5, 0));
      ctx.fillStyle = options.colours[i % options.colours.length];
      ctx.fillRect(chartArea.left, top, chartArea.right - chartArea.left, bottom - top);
      ctx.fillStyle = options.text;
      ctx.font = "12px system-ui, sans-serif";
      ctx.textAlign = "right";
      ctx.textBaseline = "top";
      if (bottom - top > 14) ctx.fillText(band.label, chartArea.right - 4, top + 2);
    });
    ctx.restore();
  },
};

function applyPalette(chart) {
  const colours = palette();
  const dataset = chart.data.datasets[0];
  dataset.borderColor = dataset.backgroundColor = colours.line;
  const { scales, plugins } = chart.options;
  scales.y.ticks.color = scales.x.ticks.color = colours.text;
  scales.y.grid.color = colours.grid;
  Object.assign(plugins.waypointBands, { colours: colours.bands, text: colours.text });
}

/** Draw `points` ([{x: label, y: total, band: label}]) for a definition into `canvas`. */
export async function drawHistory(canvas, definition, points) {
  const Chart = await loadChartJs();
  const colours = palette();
  const reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const chart = new Chart(canvas, {
    type: "line",
    data: {
      labels: points.map((p) => p.x),
      datasets: [
        {
          label: definition.short_title,
          data: points.map((p) => p.y),
          borderColor: colours.line,
          backgroundColor: colours.line,
          borderWidth: 3,
          pointRadius: 5,
          tension: 0,
        },
      ],
    },
    options: {
      animation: reduceMotion ? false : { duration: 400 },
      maintainAspectRatio: false,
      scales: {
        y: {
          min: definition.scoring.min,
          max: definition.scoring.max,
          ticks: { color: colours.text, stepSize: 5 },
          // Round numbers only: the top of the scale (27) would crowd the 25 next to it.
          afterBuildTicks: (axis) => {
            axis.ticks = axis.ticks.filter((tick) => tick.value % 5 === 0);
          },
          grid: { color: colours.grid },
        },
        x: { offset: true, ticks: { color: colours.text }, grid: { display: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const point = points[item.dataIndex];
              return `${point.y} out of ${definition.scoring.max}: ${point.band.toLowerCase()}`;
            },
          },
        },
        waypointBands: {
          bands: definition.bands,
          colours: colours.bands,
          text: colours.text,
          max: definition.scoring.max,
        },
      },
    },
    plugins: [bandsPlugin],
  });
  // Follow the phone when it switches between light and dark.
  const scheme = matchMedia("(prefers-color-scheme: dark)");
  const recolour = () => {
    if (!canvas.isConnected) {
      scheme.removeEventListener("change", recolour);
      return;
    }
    applyPalette(chart);
    chart.update("none");
  };
  scheme.addEventListener("change", recolour);
  return chart;
}
