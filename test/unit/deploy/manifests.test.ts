/**
 * deploy/*.yaml validated offline against the Kubernetes API schemas, strictly: the compiled
 * validators of the `kubernetes-models` package (types, required fields, enums, formats),
 * plus no unknown field at any depth (those validators, like the API's OpenAPI, accept them,
 * and `kubectl apply` drops them silently; see k8s-strict.ts) and names the API server would
 * accept (DNS-1123 / DNS-1035 / port-name rules). Then the Shoal parts: the ConfigMap's
 * config and the Secret's key pass the agent's own loader, the join names match the
 * StatefulSet, probes hit a route that answers without an ACL token.
 */
import { readdirSync } from "node:fs";
import { posix } from "node:path";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ROOT, imageAgentArgs, loadContainerConfig, repoFile } from "./image-config.js";
import { STRICT_KINDS, badNames, unknownFields } from "./k8s-strict.js";

/** A validator per apiVersion/kind the manifests use; anything else is an error. */
const MODELS: Record<string, (doc: never) => { validate(): void }> = {
  "v1/Namespace": (d) => new Namespace(d),
  "v1/ConfigMap": (d) => new ConfigMap(d),
  "v1/Secret": (d) => new Secret(d),
  "v1/Service": (d) => new Service(d),
  "apps/v1/StatefulSet": (d) => new StatefulSet(d),
};

/** Every problem the strict validation finds in `doc`: schema errors, unknown fields, bad names. */
function problems(doc: Manifest["doc"]): string[] {
  const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (model === undefined) return [`no validator for ${doc.apiVersion} ${doc.kind}`];
  const out: string[] = [];
  try {
    model(doc as never).validate();
  } catch (error) {
    out.push((error as Error).message);
  }
  return [...out, ...unknownFields(doc), ...badNames(doc)];
}

/** A parsed YAML mapping. */
type Json = Record<string, unknown>;

/** The mapping at a dotted `path` of `doc` (`spec.containers.0.env`: numbers index lists). */
function at(doc: Json, path: string): Json {
  return path.split(".").reduce<Json>((node, key) => node[key] as Json, doc);
}

/** The path the probes and the image's HEALTHCHECK ask: Consul answers it without a token. */
const PROBE_PATH = "/v1/status/leader";

interface Manifest {
  readonly file: string;
  readonly doc: Record<string, unknown> & { apiVersion: string; kind: string };
}

const manifests: Manifest[] = readdirSync(posix.join(ROOT, "deploy"))
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(repoFile(`deploy/${file}`)).map((d) => {
      if (d.errors.length > 0)
        throw new Error(`deploy/${file}: ${d.errors.map((e) => e.message).join("; ")}`);
      return { file, doc: d.toJS() as Manifest["doc"] };
    }),
  );

/** The one manifest of `kind`, typed as the caller reads it. */
function only<T>(kind: string): T {
  const found = manifests.filter((m) => m.doc.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]?.doc as T;
}

/** The parts of the parsed manifests these checks read (YAML gives no types). */
interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly secretKeyRef: { readonly name: string; readonly key: string };
  };
}
interface Probe {
  readonly httpGet: unknown;
}
interface Container {
  readonly args: string[];
  readonly env: EnvVar[];
  readonly ports: { readonly name: string; readonly containerPort: number }[];
  readonly readinessProbe: Probe;
  readonly livenessProbe: Probe;
  readonly volumeMounts: { readonly name: string; readonly mountPath: string }[];
}
interface Named {
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
}
interface StatefulSetDoc extends Named {
  readonly spec: {
    readonly serviceName: string;
    readonly replicas: number;
    readonly template: {
      readonly metadata: { readonly labels: Record<string, string> };
      readonly spec: {
        readonly securityContext: { readonly runAsNonRoot: boolean };
        readonly containers: Container[];
        readonly volumes: { readonly configMap: { readonly name: string } }[];
      };
    };
  };
}
interface ServiceDoc extends Named {
  readonly spec: {
    readonly clusterIP: string;
    readonly publishNotReadyAddresses: boolean;
    readonly selector: Record<string, string>;
    readonly ports: { port: unknown }[];
  };
}
interface SecretDoc extends Named {
  readonly stringData: Record<string, string>;
}
interface ConfigMapDoc extends Named {
  readonly data: Record<string, string>;
}

describe("deploy/ Kubernetes manifests", () => {
  it("holds the five kinds the deployment needs", () => {
    expect(manifests.map((m) => m.doc.kind).sort()).toEqual([
      "ConfigMap",
      "Namespace",
      "Secret",
      "Service",
      "StatefulSet",
    ]);
  });

  it.each(manifests.map((m) => [`${m.file} ${m.doc.kind}`, m] as const))(
    "%s matches the API schema strictly",
    (_, m) => {
      expect(Object.keys(MODELS).sort()).toEqual([...STRICT_KINDS].sort());
      expect(problems(m.doc)).toEqual([]);
    },
  );

  it("rejects a broken object (the validators really run)", () => {
    const broken = structuredClone(only<ServiceDoc>("Service"));
    broken.spec.ports[0]!.port = "gossip";
    expect(problems(broken as unknown as Manifest["doc"]).join("\n")).toMatch(/port/);
  });

  /** The StatefulSet with one change made by `edit`, and what the validation says about it. */
  function problemsAfter(edit: (doc: Json) => void): string[] {
    const doc = structuredClone(only<StatefulSetDoc>("StatefulSet")) as unknown as Json;
    edit(doc);
    return problems(doc as Manifest["doc"]);
  }

  it.each([
    [
      "a misspelt pod field",
      (d: Json) => {
        const pod = at(d, "spec.template.spec");
        pod["securityContex"] = pod["securityContext"];
        delete pod["securityContext"];
      },
      "spec.template.spec.securityContex: unknown field",
    ],
    [
      "a misspelt probe field",
      (d: Json) => {
        at(d, "spec.template.spec.containers.0.readinessProbe")["httpGet"] = { pth: "/", port: "http" };
      },
      "spec.template.spec.containers[0].readinessProbe.httpGet.pth: unknown field",
    ],
    [
      "a misspelt field inside an env var's source",
      (d: Json) => {
        at(d, "spec.template.spec.containers.0.env.0.valueFrom.fieldRef")["fieldPth"] = "metadata.name";
      },
      "spec.template.spec.containers[0].env[0].valueFrom.fieldRef.fieldPth: unknown field",
    ],
    [
      "a misspelt field of a volume claim template",
      (d: Json) => {
        at(d, "spec.volumeClaimTemplates.0.spec.resources")["request"] = { storage: "1Gi" };
      },
      "spec.volumeClaimTemplates[0].spec.resources.request: unknown field",
    ],
    [
      "a misspelt container field",
      (d: Json) => {
        at(d, "spec.template.spec.containers.0")["volumeMount"] = [];
      },
      "spec.template.spec.containers[0].volumeMount: unknown field",
    ],
    [
      "a misspelt top-level field",
      (d: Json) => {
        d["metdata"] = {};
      },
      "metdata: unknown field",
    ],
    [
      "a metadata.name that is no DNS-1123 label",
      (d: Json) => {
        at(d, "metadata")["name"] = "Shoal_BAD";
      },
      'metadata.name: "Shoal_BAD" is not an RFC 1123 label',
    ],
    [
      "a container name that is no DNS-1123 label",
      (d: Json) => {
        at(d, "spec.template.spec.containers.0")["name"] = "shoal.agent";
      },
      'spec.template.spec.containers[0].name: "shoal.agent" is not an RFC 1123 label',
    ],
    [
      "a port name longer than 15 characters",
      (d: Json) => {
        at(d, "spec.template.spec.containers.0.ports.0")["name"] = "gossip-tcp-port-1";
      },
      'spec.template.spec.containers[0].ports[0].name: "gossip-tcp-port-1" is not a port name',
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(problemsAfter(edit)).toContain(expected);
  });

  it("still accepts what the API allows: free-form maps (labels, ConfigMap data), IntOrString ports", () => {
    expect(
      problemsAfter((d) => {
        at(d, "metadata.labels")["example.com/Any_Key"] = "v";
        at(d, "spec.template.spec.containers.0.livenessProbe.httpGet")["port"] = 8500;
      }),
    ).toEqual([]);
    const cm = structuredClone(only<ConfigMapDoc>("ConfigMap")) as unknown as Manifest["doc"];
    (cm as unknown as { data: Record<string, string> }).data["any.file-Name_1"] = "x";
    expect(problems(cm)).toEqual([]);
  });

  it("names metadata.name by each kind's rule", () => {
    const svc = structuredClone(only<ServiceDoc>("Service")) as unknown as Json;
    at(svc, "metadata")["name"] = "0shoal"; // a Service name must start with a letter (RFC 1035)
    expect(problems(svc as Manifest["doc"])).toEqual(['metadata.name: "0shoal" is not an RFC 1035 label']);
    const secret = structuredClone(only<SecretDoc>("Secret")) as unknown as Json;
    at(secret, "metadata")["name"] = "shoal.gossip-key"; // dots are fine in a Secret name (subdomain)
    expect(problems(secret as Manifest["doc"])).toEqual([]);
    at(secret, "metadata")["name"] = "shoal..key";
    expect(problems(secret as Manifest["doc"])).toEqual([
      'metadata.name: "shoal..key" is not an RFC 1123 subdomain',
    ]);
  });

  it("wires the StatefulSet to the headless Service, ConfigMap, Secret and HTTP probes", () => {
    const sts = only<StatefulSetDoc>("StatefulSet");
    const svc = only<ServiceDoc>("Service");
    expect(svc.spec.clusterIP).toBe("None");
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(sts.spec.serviceName).toBe(svc.metadata.name);
    expect(svc.spec.selector).toEqual(sts.spec.template.metadata.labels);
    const pod = sts.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const container = pod.containers[0]!;
    const httpPort = container.ports.find((p) => p.name === "http");
    expect(httpPort?.containerPort).toBe(8500);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: PROBE_PATH, port: "http" });
    }
    // The image's own HEALTHCHECK asks the same route.
    expect(repoFile("docker/Dockerfile")).toContain(`http://127.0.0.1:8500${PROBE_PATH}`);
    expect(pod.volumes[0]?.configMap.name).toBe(only<ConfigMapDoc>("ConfigMap").metadata.name);
    const keyRef = container.env.find((e) => e.name === "SHOAL_ENCRYPT")?.valueFrom.secretKeyRef;
    expect(keyRef?.name).toBe(only<SecretDoc>("Secret").metadata.name);
  });

  it("gives each pod a config the agent accepts, joining every replica by its DNS name", () => {
    const sts = only<StatefulSetDoc>("StatefulSet");
    const container = sts.spec.template.spec.containers[0]!;
    const secret = only<SecretDoc>("Secret");
    const mountPath = container.volumeMounts.find((v) => v.name === "config")?.mountPath ?? "";
    const mounted = new Map(
      Object.entries(only<ConfigMapDoc>("ConfigMap").data).map(([k, v]) => [`${mountPath}/${k}`, v]),
    );
    // What the kubelet would put into the environment of pod shoal-1.
    const env: Record<string, string> = {};
    for (const e of container.env) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom.fieldRef?.fieldPath === "metadata.name") env[e.name] = `${sts.metadata.name}-1`;
      else if (e.valueFrom.fieldRef?.fieldPath === "status.podIP") env[e.name] = "10.244.1.7";
      else env[e.name] = secret.stringData[e.valueFrom.secretKeyRef.key] ?? "";
    }
    expect(container.args.slice(1)).toEqual(imageAgentArgs());
    const config = loadContainerConfig(container.args.slice(1), env, mounted);
    expect(config.nodeName).toBe("shoal-1");
    expect(config.advertise?.host).toBe("10.244.1.7");
    expect(config.encrypt).toBeDefined();
    const svcName = only<ServiceDoc>("Service").metadata.name;
    const pods = Array.from({ length: sts.spec.replicas }, (_, i) => `${sts.metadata.name}-${i}.${svcName}`);
    expect([...config.retryJoin].sort()).toEqual(pods);
  });
});
