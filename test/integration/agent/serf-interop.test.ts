/**
 * Shoal and Serf agents as real processes in one cluster, in plain text: joins in both
 * directions, identical member listings, tags, user events, queries, kill -9 and leave across
 * kinds (the scenario is in test/support/serf-interop-scenario.ts).
 */
import { describeWithSerf } from "../../support/requirements.js";
import { defineSerfInteropScenario } from "../../support/serf-interop-scenario.js";

describeWithSerf()("Shoal and serf agents in one cluster (plain text)", () => {
  defineSerfInteropScenario({ title: "serf interop, plain text" });
});
