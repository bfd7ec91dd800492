import { describe, expect, it } from "vitest";
import { escapeXml, renderConvergenceSvg } from "../../src/swim/sim/svg.js";

/** A minimal XML well-formedness check: balanced tags, quoted attributes, no stray '<' or '&'. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(xml); m !== null; m = tag.exec(xml)) {
    const between = xml.slice(last, m.index);
    expect(between).not.toMatch(/[<>]/);
    expect(between).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (selfClosing === "/") continue;
    if (closing === "/") expect(stack.pop()).toBe(name);
    else stack.push(name!);
  }
  expect(xml.slice(last).trim()).toBe("");
  expect(stack).toEqual([]);
}

describe("SVG chart", () => {
  it("renders a well-formed document with both series, axes and a legend", () => {
    const svg = renderConvergenceSvg({
      title: "100 nodes <fanout 3> & 200 ms",
      series: [
        {
          label: "measured",
          color: "#1f77b4",
          step: true,
          points: [
            { xMs: 0, y: 0.01 },
            { xMs: 300, y: 0.5 },
            { xMs: 900, y: 1 },
          ],
        },
        {
          label: "Serf model",
          color: "#d62728",
          dashed: true,
          points: [
            { xMs: 0, y: 0.0098 },
            { xMs: 200, y: 0.04 },
            { xMs: 2000, y: 0.9999 },
          ],
        },
      ],
    });
    assertWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain("100 nodes &lt;fanout 3&gt; &amp; 200 ms");
    expect(svg).toContain(">measured</text>");
    expect(svg).toContain(">Serf model</text>");
    expect(svg).toContain(">100%</text>");
    expect(svg).toContain(">0%</text>");
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="6 4"');
    // x axis reaches the last point (2 s) with round ticks.
    expect(svg).toContain(">2</text>");
  });

  it("escapes all XML specials", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
  });
});
