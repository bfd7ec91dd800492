/**
 * deploy/*.yaml validated offline against the Kubernetes API schemas (the compiled validators
 * of the `kubernetes-models` package: types, required fields, enums, formats), plus what
 * those schemas cannot say: no unknown top-level or container fields, and the Shoal parts
 * (the ConfigMap's config and the Secret's key pass the agent's own loader, the join names
 * match the StatefulSet, probes hit the HTTP API port).
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

/** A validator per apiVersion/kind the manifests use; anything else is an error. */
const MODELS: Record<string, (doc: never) => { validate(): void }> = {
  "v1/Namespace": (d) => new Namespace(d),
  "v1/ConfigMap": (d) => new ConfigMap(d),
  "v1/Secret": (d) => new Secret(d),
  "v1/Service": (d) => new Service(d),
  "apps/v1/StatefulSet": (d) => new StatefulSet(d),
};

/** The fields Kubernetes knows at the top of these objects and of a container spec. */
const TOP_LEVEL = ["apiVersion", "kind", "metadata", "spec", "data", "stringData", "type", "immutable"];
const CONTAINER_FIELDS = [
  "name",
  "image",
  "args",
  "command",
  "env",
  "envFrom",
  "ports",
  "readinessProbe",
  "livenessProbe",
  "startupProbe",
  "resources",
  "securityContext",
  "volumeMounts",
  "imagePullPolicy",
  "workingDir",
];

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
    "%s matches the API schema",
    (_, m) => {
      const model = MODELS[`${m.doc.apiVersion}/${m.doc.kind}`];
      expect(model, `no validator for ${m.doc.apiVersion} ${m.doc.kind}`).toBeDefined();
      expect(() => model?.(m.doc as never).validate()).not.toThrow();
      expect(Object.keys(m.doc).filter((k) => !TOP_LEVEL.includes(k))).toEqual([]);
    },
  );

  it("rejects a broken object (the validators really run)", () => {
    const broken = structuredClone(only<ServiceDoc>("Service"));
    broken.spec.ports[0]!.port = "gossip";
    expect(() => new Service(broken as never).validate()).toThrow(/port/);
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
    expect(Object.keys(container).filter((k) => !CONTAINER_FIELDS.includes(k))).toEqual([]);
    const httpPort = container.ports.find((p) => p.name === "http");
    expect(httpPort?.containerPort).toBe(8500);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: "/v1/agent/self", port: "http" });
    }
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
