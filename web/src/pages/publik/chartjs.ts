/** Chart.js, only the parts the bar charts use (tree-shaken; loaded by Charts.tsx on demand). It
 * draws on a canvas and sets sizes through element.style (CSSOM), never a <style> element, so the
 * app's Content-Security-Policy (style-src 'self') holds. */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Bars {
  labels: string[];
  series: { label: string; values: number[]; color: string }[];
  horizontal?: boolean | undefined;
  format: (value: number) => string;
  /** the value axis' ticks (short: "Rp18 M") */
  axis: (value: number) => string;
}

export function drawBars(canvas: HTMLCanvasElement, spec: Bars): { destroy(): void } {
  // a phone's narrow canvas leaves the category axis little room: shorter labels there
  const narrow = (canvas.parentElement?.clientWidth ?? 800) < 600;
  const longest = narrow ? 15 : 28;
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s) => ({ label: s.label, data: s.values, backgroundColor: s.color, borderWidth: 0 })),
    },
    options: {
      indexAxis: spec.horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: spec.series.length > 1, labels: { color: "#0b0c0c", font: { size: 14 } } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${spec.format(Number(item.raw))}` } },
      },
      scales: {
        [spec.horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { color: "#0b0c0c", callback: (v) => spec.axis(Number(v)) } },
        [spec.horizontal ? "y" : "x"]: {
          ticks: {
            color: "#0b0c0c",
            font: { size: narrow ? 11 : 12 },
            // long urusan names: cut on the axis, whole in the table and the tooltip
            callback(value) {
              const label = String(this.getLabelForValue(Number(value)));
              return label.length > longest ? label.slice(0, longest - 1) + "…" : label;
            },
          },
        },
      },
    },
  });
}
