/**
 * Refused gossip is logged once per peer (src/agent/daemon/refusal-log.ts): the first refusal
 * of each sender is written, later ones from it are not; a refusal without a sender is
 * attributed to the member it was about, with a long name shortened.
 */
import { describe, expect, it } from "vitest";
import { refusalLogger, type InputRefusedEvent } from "../../../../src/agent/daemon/refusal-log.js";

const refused = (overrides: Partial<InputRefusedEvent> = {}): InputRefusedEvent => ({
  kind: "inputRefused",
  limit: "tagsTooLarge",
  reason: "member x: encoded tags are 3000 bytes, over the limit of 512",
  from: { host: "10.0.0.1", port: 7946 },
  node: "x",
  ...overrides,
});

describe("refusalLogger", () => {
  it("writes the first refusal of each peer only", () => {
    const lines: { fields: Readonly<Record<string, string>>; message: string }[] = [];
    const report = refusalLogger((fields, message) => lines.push({ fields, message }));
    for (let i = 0; i < 5; i++) report(refused());
    report(refused({ limit: "userEventTooLarge", reason: "user event is 8000 bytes" }));
    report(refused({ from: { host: "::1", port: 7000 } }));
    expect(lines.map((l) => l.fields["peer"])).toEqual(["10.0.0.1:7946", "[::1]:7000"]);
    expect(lines[0]?.message).toBe(
      'refusing gossip from 10.0.0.1:7946 about "x": member x: encoded tags are 3000 bytes, over the limit of 512 (tagsTooLarge); reported once per peer',
    );
  });

  it("names the member when there is no sender, shortening a long name", () => {
    const lines: string[] = [];
    const report = refusalLogger((_fields, message) => lines.push(message));
    const { from: _from, ...noSender } = refused({ node: "n".repeat(300), limit: "invalidNodeName" });
    report(noSender);
    report(noSender);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`refusing gossip from member "${"n".repeat(64)}"…: `);
  });
});
