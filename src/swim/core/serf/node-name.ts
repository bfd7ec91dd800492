/**
 * Serf's node name rules (`serf.go` validateNodeName with ValidateNodeNames on): 1 to 128
 * characters, each a letter, a digit, '-' or '.'. Shoal always applies them, to its own name
 * (the agent's config schema is built from these constants) and to every peer's (the Serf
 * delegate's alive and merge checks), so a name this node would refuse to start with never
 * becomes a member either.
 */

/** Serf's `MaxNodeNameLength`. */
export const NODE_NAME_MAX_LENGTH = 128;

/** The allowed characters, as a JSON Schema / `RegExp` source (anchored). */
export const NODE_NAME_PATTERN = "^[A-Za-z0-9.-]+$";

/** How the config explains a pattern mismatch (the rule in words). */
export const NODE_NAME_RULE_TEXT = "may contain only letters, digits, '-' and '.' (Serf's node name rules)";

const ALLOWED = new RegExp(NODE_NAME_PATTERN);

/** Why `name` breaks the node name rules, or undefined if it is a valid node name. */
export function nodeNameProblem(name: string): string | undefined {
  if (name.length === 0) return "node name is empty";
  if (name.length > NODE_NAME_MAX_LENGTH) {
    return `node name is ${name.length} characters; the limit is ${NODE_NAME_MAX_LENGTH}`;
  }
  if (!ALLOWED.test(name)) return `node name ${JSON.stringify(name)} ${NODE_NAME_RULE_TEXT}`;
  return undefined;
}
