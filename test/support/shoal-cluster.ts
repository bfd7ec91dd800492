/**
 * A cluster of real `shoal agent` processes on 127.0.0.1 for catalog and API tests: the first
 * agent is the seed, the rest join it, and the promise resolves once every agent sees every
 * other alive.
 */
import { waitFor } from "./serf-agent.js";
import { startShoalAgent, type ShoalAgent, type ShoalAgentOptions } from "./shoal-agent.js";

/** Consul's member status code for alive. */
export const MEMBER_ALIVE = 1;

/** How many agents start at once. */
const START_BATCH = 3;

/** Options shared by every agent of the cluster (name, port and join are set per agent). */
export type ClusterAgentOptions = Omit<ShoalAgentOptions, "name" | "join" | "port">;

/** Starts `count` agents named `${prefix}-1…`, joined into one cluster. */
export async function startShoalCluster(
  prefix: string,
  count: number,
  options: ClusterAgentOptions | ((index: number) => ClusterAgentOptions) = {},
): Promise<ShoalAgent[]> {
  const optionsFor = typeof options === "function" ? options : (): ClusterAgentOptions => options;
  const agents: ShoalAgent[] = [];
  try {
    agents.push(await startShoalAgent({ ...optionsFor(0), name: `${prefix}-1` }));
    const seed = `127.0.0.1:${agents[0]!.port}`;
    // A few at a time: start-up is mostly Node loading code, and on two cores a crowd of
    // starting processes makes each one slow.
    for (let next = 1; next < count; next += START_BATCH) {
      const batch = Array.from({ length: Math.min(START_BATCH, count - next) }, (_, i) =>
        startShoalAgent({
          startTimeoutMs: 60_000,
          ...optionsFor(next + i),
          name: `${prefix}-${next + i + 1}`,
          join: [seed],
        }),
      );
      for (const started of await Promise.allSettled(batch)) {
        if (started.status === "fulfilled") agents.push(started.value);
        else throw started.reason;
      }
    }
    await waitForAlive(agents, count);
    return agents;
  } catch (error) {
    await Promise.all(agents.map((a) => a.kill()));
    throw error;
  }
}

/** Waits until every agent lists `count` members alive. */
export async function waitForAlive(
  agents: readonly ShoalAgent[],
  count: number,
  timeoutMs = 30_000,
): Promise<void> {
  await Promise.all(
    agents.map((agent) =>
      waitFor(
        `${agent.name} sees ${count} alive`,
        async () => {
          const members = await agent.get<{ Status: number }[]>("/v1/agent/members");
          return members.filter((m) => m.Status === MEMBER_ALIVE).length === count ? true : undefined;
        },
        timeoutMs,
      ),
    ),
  );
}
