/**
 * Strict structural check of Kubernetes objects: every field at every depth must be one the
 * API type declares. `kubernetes-models`' validate() checks types, required fields and enums,
 * but like the API's own OpenAPI it accepts unknown fields, and `kubectl apply` (client-side)
 * silently drops them: a `securityContex` typo would ship a pod without its security context.
 *
 * The field sets are the model package's own TypeScript declarations (generated from the
 * Kubernetes OpenAPI of the same version as its validators), read through the TypeScript
 * compiler: no second copy of the schemas to keep in step. The walk is what kubeconform's
 * `-strict` does with the `additionalProperties: false` schemas.
 */
import { posix } from "node:path";
import ts from "typescript";
import { ROOT } from "./image-config.js";

/** The API type of each `apiVersion/kind` the manifests use: module and interface name. */
const KINDS: Record<string, readonly [module: string, type: string]> = {
  "v1/Namespace": ["kubernetes-models/v1/Namespace", "INamespace"],
  "v1/ConfigMap": ["kubernetes-models/v1/ConfigMap", "IConfigMap"],
  "v1/Secret": ["kubernetes-models/v1/Secret", "ISecret"],
  "v1/Service": ["kubernetes-models/v1/Service", "IService"],
  "apps/v1/StatefulSet": ["kubernetes-models/apps/v1/StatefulSet", "IStatefulSet"],
};

/** A source file that exists only in memory, beside the tests so module resolution finds the package. */
const ENTRY = posix.join(ROOT, "test/unit/deploy/__k8s-kinds.ts");
const ENTRY_TEXT =
  Object.entries(KINDS)
    .map(([, [module, type]], i) => `import type { ${type} as K${i} } from "${module}";`)
    .join("\n") +
  `\nexport interface Kinds {\n${Object.keys(KINDS)
    .map((key, i) => `  ${JSON.stringify(key)}: K${i};`)
    .join("\n")}\n}\n`;

let cached: { checker: ts.TypeChecker; kinds: ts.Type } | undefined;

/** Builds (once) a type-checker program over the model declarations. */
function program(): { checker: ts.TypeChecker; kinds: ts.Type } {
  if (cached !== undefined) return cached;
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => f === ENTRY || fileExists.call(host, f);
  host.readFile = (f) => (f === ENTRY ? ENTRY_TEXT : readFile.call(host, f));
  host.getSourceFile = (f, lang, ...rest) =>
    f === ENTRY ? ts.createSourceFile(f, ENTRY_TEXT, lang) : getSourceFile.call(host, f, lang, ...rest);
  const prog = ts.createProgram([ENTRY], options, host);
  const problems = ts.getPreEmitDiagnostics(prog);
  if (problems.length > 0) {
    throw new Error(ts.formatDiagnostics(problems, host));
  }
  const checker = prog.getTypeChecker();
  const file = prog.getSourceFile(ENTRY);
  const symbol = file === undefined ? undefined : checker.getSymbolAtLocation(file);
  const kindsSymbol = symbol === undefined ? undefined : checker.getExportsOfModule(symbol)[0];
  if (kindsSymbol === undefined) throw new Error("could not read the Kubernetes model declarations");
  cached = { checker, kinds: checker.getDeclaredTypeOfSymbol(kindsSymbol) };
  return cached;
}

/** The object-shaped member of `type` (drops `undefined`, `null` and primitives of a union). */
function objectPart(checker: ts.TypeChecker, type: ts.Type): ts.Type | undefined {
  const t = checker.getNonNullableType(type);
  const parts = t.isUnion() ? t.types : [t];
  const objects = parts.filter((p) => (p.flags & ts.TypeFlags.Object) !== 0);
  return objects.length === 1 ? objects[0] : undefined;
}

function walk(checker: ts.TypeChecker, value: unknown, type: ts.Type, path: string, out: string[]): void {
  if (value === null || typeof value !== "object") return; // scalars: validate() checks types
  const shape = objectPart(checker, type);
  if (shape === undefined) return; // e.g. IntOrString given an object: validate() reports it
  if (Array.isArray(value)) {
    const element = checker.getIndexTypeOfType(shape, ts.IndexKind.Number);
    if (element !== undefined) value.forEach((v, i) => walk(checker, v, element, `${path}[${i}]`, out));
    return;
  }
  const index = checker.getIndexTypeOfType(shape, ts.IndexKind.String);
  for (const [key, v] of Object.entries(value)) {
    const where = path === "" ? key : `${path}.${key}`;
    const prop = shape.getProperty(key);
    if (prop !== undefined) walk(checker, v, checker.getTypeOfSymbol(prop), where, out);
    else if (index !== undefined) walk(checker, v, index, where, out);
    else out.push(`${where}: unknown field`);
  }
}

/**
 * The fields of `doc` (a parsed manifest) that its kind's API type does not declare, as
 * dotted paths (`spec.template.spec.securityContex: unknown field`); throws for a kind
 * this module does not know.
 */
export function unknownFields(doc: { readonly apiVersion: string; readonly kind: string }): string[] {
  const key = `${doc.apiVersion}/${doc.kind}`;
  const { checker, kinds } = program();
  const prop = kinds.getProperty(key);
  if (prop === undefined) throw new Error(`no API type for ${doc.apiVersion} ${doc.kind}`);
  const out: string[] = [];
  walk(checker, doc, checker.getTypeOfSymbol(prop), "", out);
  return out;
}

/** The `apiVersion/kind` keys {@link unknownFields} knows. */
export const STRICT_KINDS: readonly string[] = Object.keys(KINDS);

/** RFC 1123 label: what a Namespace, a pod's host name or a container name must be. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1035 label (starts with a letter): what a Service name must be. */
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes' IsDNS1123Label. */
export const isDns1123Label = (s: string): boolean => s.length <= 63 && DNS1123_LABEL.test(s);

/** Kubernetes' IsDNS1035Label. */
export const isDns1035Label = (s: string): boolean => s.length <= 63 && DNS1035_LABEL.test(s);

/** Kubernetes' IsDNS1123Subdomain: dot-separated labels, at most 253 characters. */
export const isDns1123Subdomain = (s: string): boolean =>
  s.length <= 253 && s.split(".").every((label) => DNS1123_LABEL.test(label));

/** Kubernetes' IsValidPortName (IANA_SVC_NAME): 1-15 of [a-z0-9-], a letter, no `--`, no edge `-`. */
export const isPortName = (s: string): boolean =>
  s.length >= 1 &&
  s.length <= 15 &&
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s) &&
  /[a-z]/.test(s) &&
  !s.includes("--");

/**
 * The names in `doc` that the API server would refuse, as `path: reason`: `metadata.name`
 * by the rule of its kind (Namespace and StatefulSet: an RFC 1123 label, since a StatefulSet's
 * name becomes its pods' host names; Service: an RFC 1035 label; others: an RFC 1123
 * subdomain), and the container, port and volume names of pod templates.
 */
export function badNames(doc: {
  readonly kind: string;
  readonly metadata?: { readonly name?: unknown };
  readonly spec?: unknown;
}): string[] {
  const out: string[] = [];
  const check = (path: string, name: unknown, ok: (s: string) => boolean, rule: string): void => {
    if (typeof name !== "string" || !ok(name)) out.push(`${path}: ${JSON.stringify(name)} is not ${rule}`);
  };
  const rule: Record<string, readonly [(s: string) => boolean, string]> = {
    Namespace: [isDns1123Label, "an RFC 1123 label"],
    StatefulSet: [isDns1123Label, "an RFC 1123 label"],
    Service: [isDns1035Label, "an RFC 1035 label"],
  };
  const [ok, text] = rule[doc.kind] ?? [isDns1123Subdomain, "an RFC 1123 subdomain"];
  check("metadata.name", doc.metadata?.name, ok, text);
  const spec = doc.spec as
    | {
        ports?: { name?: string }[];
        template?: { spec?: { containers?: unknown[]; volumes?: { name?: string }[] } };
      }
    | undefined;
  spec?.ports?.forEach((p, i) => {
    if (p.name !== undefined) check(`spec.ports[${i}].name`, p.name, isPortName, "a port name");
  });
  const pod = spec?.template?.spec;
  (pod?.containers as { name?: string; ports?: { name?: string }[] }[] | undefined)?.forEach((c, i) => {
    const at = `spec.template.spec.containers[${i}]`;
    check(`${at}.name`, c.name, isDns1123Label, "an RFC 1123 label");
    c.ports?.forEach((p, j) => {
      if (p.name !== undefined) check(`${at}.ports[${j}].name`, p.name, isPortName, "a port name");
    });
  });
  pod?.volumes?.forEach((v, i) =>
    check(`spec.template.spec.volumes[${i}].name`, v.name, isDns1123Label, "an RFC 1123 label"),
  );
  return out;
}
