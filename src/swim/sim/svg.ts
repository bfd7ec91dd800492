/**
 * A dependency-free SVG line chart for convergence curves: the simulator's measured curve
 * beside Serf's model, time on x, percentage of nodes on y. Output is a complete standalone
 * SVG document (XML prolog-free, which browsers and image viewers accept).
 */

/** One point: x in milliseconds, y as a fraction in [0, 1]. */
export interface ChartPoint {
  readonly xMs: number;
  readonly y: number;
}

/** One line of the chart. */
export interface ChartSeries {
  readonly label: string;
  readonly points: readonly ChartPoint[];
  /** Any SVG colour. */
  readonly color: string;
  /** Draw dashed (used for the model) and mark each point. */
  readonly dashed?: boolean;
  /** Draw as a step function (a measured curve changes only at events). */
  readonly step?: boolean;
}

/** Chart options. */
export interface ChartOptions {
  readonly title: string;
  readonly series: readonly ChartSeries[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

const MARGIN = { left: 64, right: 24, top: 40, bottom: 56 } as const;

/** Renders the chart as an SVG document string. */
export function renderConvergenceSvg(options: ChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 440;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const maxX = Math.max(1, ...options.series.flatMap((s) => s.points.map((p) => p.xMs)));
  const xTicks = niceTicks(maxX);
  const xMax = xTicks[xTicks.length - 1] ?? maxX;
  const sx = (xMs: number): number => MARGIN.left + (xMs / xMax) * plotW;
  const sy = (y: number): number => MARGIN.top + (1 - Math.min(1, Math.max(0, y))) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  out.push(
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`,
  );
  // Grid and y axis ticks every 10 %.
  for (let pct = 0; pct <= 100; pct += 10) {
    const y = fmt(sy(pct / 100));
    out.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${pct}%</text>`,
    );
  }
  for (const tick of xTicks) {
    const x = fmt(sx(tick));
    out.push(
      `<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotH}" stroke="#f0f0f0"/>`,
      `<text x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${formatSeconds(tick)}</text>`,
    );
  }
  // Axes.
  out.push(
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(options.xLabel ?? "time since the update originated (s)")}</text>`,
    `<text x="16" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + plotH / 2})">${escapeXml(options.yLabel ?? "nodes that know the update")}</text>`,
  );
  // Lines.
  for (const series of options.series) {
    const path = linePath(series, sx, sy);
    if (path === "") continue;
    out.push(
      `<path d="${path}" fill="none" stroke="${escapeXml(series.color)}" stroke-width="2"${series.dashed === true ? ' stroke-dasharray="6 4"' : ""}/>`,
    );
    if (series.dashed === true) {
      for (const p of series.points) {
        out.push(
          `<circle cx="${fmt(sx(p.xMs))}" cy="${fmt(sy(p.y))}" r="2.5" fill="${escapeXml(series.color)}"/>`,
        );
      }
    }
  }
  // Legend, top left inside the plot (curves start at the bottom left, so it stays clear).
  options.series.forEach((series, i) => {
    const y = MARGIN.top + 14 + i * 18;
    const x = MARGIN.left + 12;
    out.push(
      `<line x1="${x}" y1="${y}" x2="${x + 28}" y2="${y}" stroke="${escapeXml(series.color)}" stroke-width="2"${series.dashed === true ? ' stroke-dasharray="6 4"' : ""}/>`,
      `<text x="${x + 36}" y="${y}" dominant-baseline="middle">${escapeXml(series.label)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function linePath(series: ChartSeries, sx: (xMs: number) => number, sy: (y: number) => number): string {
  const parts: string[] = [];
  let previousY: number | undefined;
  for (const p of series.points) {
    const x = fmt(sx(p.xMs));
    const y = fmt(sy(p.y));
    if (parts.length === 0) parts.push(`M${x},${y}`);
    else if (series.step === true && previousY !== undefined) parts.push(`H${x}`, `V${y}`);
    else parts.push(`L${x},${y}`);
    previousY = p.y;
  }
  return parts.join(" ");
}

/** About five round tick values from 0 to at least `max`. */
function niceTicks(max: number): number[] {
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = 0; t < max + step - 1e-9; t += step) ticks.push(Math.round(t * 1000) / 1000);
  return ticks;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}`;
}

function fmt(n: number): string {
  return n.toFixed(1);
}

/** Escapes the five XML special characters. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}
