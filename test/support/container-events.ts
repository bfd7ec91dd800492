/**
 * Collects an agent's member events from its NDJSON `/v1/event/stream`: a failure that is
 * refuted a moment later never shows in a poll of `/v1/agent/members`, but it is an event.
 */
import type { AgentContainer } from "./container-agent.js";

/** One member event line as the stream writes it. */
export interface MemberEventLine {
  readonly Type: string;
  readonly Members: readonly { readonly Name: string }[];
}

/** A running collection; `close()` ends the stream. */
export interface EventWatch {
  readonly events: MemberEventLine[];
  close(): void;
}

/** Subscribes to member events of `types` (e.g. `member-failed`) on `agent`. */
export async function watchMemberEvents(
  agent: AgentContainer,
  types: readonly string[],
): Promise<EventWatch> {
  const controller = new AbortController();
  const response = await agent.stream(`/v1/event/stream?type=${types.join(",")}`, controller.signal);
  if (!response.ok || response.body === null)
    throw new Error(`${agent.node}: event stream ${response.status}`);
  const events: MemberEventLine[] = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        pending += value;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) if (line.startsWith("{")) events.push(JSON.parse(line) as MemberEventLine);
      }
    } catch {
      // Aborted by close(), or the container went away: the events so far stand.
    }
  })();
  return { events, close: () => controller.abort() };
}
