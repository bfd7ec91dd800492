/** A minimal horizontal bar chart as a standalone SVG (for the lookup benchmark). */
import { escapeXml } from "../../src/swim/sim/svg.js";

/** One bar. */
export interface Bar {
  readonly label: string;
  readonly value: number;
}

/** Renders the bars scaled to the largest value. */
export function renderBarsSvg(title: string, bars: readonly Bar[]): string {
  const width = 640;
  const rowH = 36;
  const left = 200;
  const height = 50 + bars.length * rowH;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rows = bars.map((b, i) => {
    const y = 40 + i * rowH;
    const w = ((width - left - 90) * b.value) / max;
    return (
      `<text x="${left - 8}" y="${y + 18}" text-anchor="end">${escapeXml(b.label)}</text>` +
      `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="20" fill="#1f77b4"/>` +
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + 18}">${b.value.toFixed(0)}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    ...rows,
    "</svg>",
    "",
  ].join("\n");
}
