/**
 * How `shoal members` shows a member: Consul's agent/members JSON shape in, Serf's one-line
 * text out (`name  address  status  tags`).
 */

/** A member as `/v1/agent/members` returns it (Consul's shape). */
export interface AgentMember {
  readonly Name: string;
  readonly Addr: string;
  readonly Port: number;
  readonly Tags: Readonly<Record<string, string>>;
  readonly Status: number;
  readonly ProtocolMin: number;
  readonly ProtocolMax: number;
  readonly ProtocolCur: number;
  readonly DelegateMin: number;
  readonly DelegateMax: number;
  readonly DelegateCur: number;
}

/** Consul's (and Serf's) numeric member statuses. */
export const MEMBER_STATUS_WORDS = ["none", "alive", "leaving", "left", "failed"] as const;

/** The status word of a numeric status. */
export function statusWord(status: number): string {
  return MEMBER_STATUS_WORDS[status] ?? "none";
}

/** `host:port`, with IPv6 hosts in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Filters as Serf's `members` applies them: each regex must match the whole value. */
export interface MemberFilter {
  readonly name?: string | undefined;
  readonly status?: string | undefined;
  readonly tags?: Readonly<Record<string, string>>;
}

function anchored(pattern: string, flag: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (error) {
    throw new Error(`--${flag}: invalid regular expression "${pattern}": ${(error as Error).message}`);
  }
}

/** The members that pass every filter. */
export function filterMembers(members: readonly AgentMember[], filter: MemberFilter): AgentMember[] {
  const name = filter.name === undefined ? undefined : anchored(filter.name, "name");
  const status = filter.status === undefined ? undefined : anchored(filter.status, "status");
  const tags = Object.entries(filter.tags ?? {}).map(([key, re]) => [key, anchored(re, "tag")] as const);
  return members.filter(
    (m) =>
      (name === undefined || name.test(m.Name)) &&
      (status === undefined || status.test(statusWord(m.Status))) &&
      tags.every(([key, re]) => m.Tags[key] !== undefined && re.test(m.Tags[key])),
  );
}

/** Serf-style aligned text lines; `detailed` adds protocol versions. */
export function formatMembers(members: readonly AgentMember[], detailed: boolean): string {
  const rows = members.map((m) => {
    const tags = Object.entries(m.Tags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const row = [m.Name, hostPort(m.Addr, m.Port), statusWord(m.Status), tags];
    if (detailed) {
      row.push(
        `Protocol Version: ${m.ProtocolCur}, Available Protocol Range: [${m.ProtocolMin}, ${m.ProtocolMax}], ` +
          `Delegate Version: ${m.DelegateCur}`,
      );
    }
    return row;
  });
  const widths = [0, 1, 2].map((i) => Math.max(0, ...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
