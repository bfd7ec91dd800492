/**
 * Text forms of transport addresses, as they appear in configuration, flags and join seeds:
 * `host:port`, `[v6]:port`, or a bare host that takes memberlist's default port 7946.
 *
 * {@link parseAddress} accepts IP literals only, because the core's {@link Address} is always an
 * IP; {@link parseHostPort} also accepts DNS names (join seeds), which
 * {@link resolveAddress} then turns into an IP. Every error is a {@link ShoalError} with code
 * `SHOAL_ERR_CONFIG` that quotes the bad input, so a config problem can be fixed from the
 * message alone.
 */
import { lookup } from "node:dns/promises";
import { isIP, isIPv4, isIPv6 } from "node:net";
import { ErrorCode, ShoalError } from "../../errors.js";
import type { Address } from "../core/api.js";

/** memberlist's default port for both UDP and TCP. */
export const DEFAULT_PORT = 7946;

/** A host (IP literal or DNS name) and port, before name resolution. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** DNS label rules (RFC 1123), so that typos like `10.0.0.1.:x` are not taken as names. */
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function invalid(text: string, why: string): ShoalError {
  return new ShoalError(ErrorCode.config, `invalid address ${JSON.stringify(text)}: ${why}`);
}

function parsePort(text: string, portText: string): number {
  if (!/^\d{1,5}$/.test(portText)) throw invalid(text, `port ${JSON.stringify(portText)} is not a number`);
  const port = Number(portText);
  if (port > 65535) throw invalid(text, `port ${port} is out of range 0..65535`);
  return port;
}

/**
 * Splits `host:port`, `[v6]:port`, `[v6]`, a bare IPv6 literal or a bare host/IP into host
 * and port (`defaultPort` when absent). The host may be a DNS name. Brackets are removed.
 */
export function parseHostPort(text: string, defaultPort: number = DEFAULT_PORT): HostPort {
  const s = text.trim();
  if (s === "") throw invalid(text, "empty");
  let host: string;
  let port = defaultPort;
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) throw invalid(text, "missing ']'");
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) throw invalid(text, `unexpected ${JSON.stringify(rest)} after ']'`);
      port = parsePort(text, rest.slice(1));
    }
    if (!isIPv6(host)) throw invalid(text, `${JSON.stringify(host)} is not an IPv6 address`);
  } else if (isIPv6(s)) {
    // A bare IPv6 literal has no port: `::1:7946` would be ambiguous, so brackets are required.
    host = s;
  } else {
    const colon = s.lastIndexOf(":");
    if (colon >= 0) {
      if (s.indexOf(":") !== colon) throw invalid(text, "IPv6 addresses with a port need brackets");
      host = s.slice(0, colon);
      port = parsePort(text, s.slice(colon + 1));
    } else host = s;
    if (host === "") throw invalid(text, "missing host");
    if (!isIPv4(host) && !HOSTNAME.test(host)) throw invalid(text, `${JSON.stringify(host)} is not a host`);
  }
  return { host: normalizeHost(host), port };
}

/** Parses an address whose host must be an IP literal (see {@link parseHostPort}). */
export function parseAddress(text: string, defaultPort: number = DEFAULT_PORT): Address {
  const hp = parseHostPort(text, defaultPort);
  if (isIP(hp.host) === 0) throw invalid(text, `${JSON.stringify(hp.host)} is not an IP address`);
  return hp;
}

/** `host:port`, with IPv6 hosts in brackets; the inverse of {@link parseAddress}. */
export function formatAddress(address: Address): string {
  return isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * Resolves a host (IP literal or DNS name) to an {@link Address}. Names resolve through the
 * system resolver; the first answer wins. Fails with `SHOAL_ERR_CONFIG` naming the host.
 */
export async function resolveAddress(hp: HostPort): Promise<Address> {
  if (isIP(hp.host) !== 0) return { host: hp.host, port: hp.port };
  try {
    const found = await lookup(hp.host);
    return { host: normalizeHost(found.address), port: hp.port };
  } catch (err) {
    throw new ShoalError(ErrorCode.config, `cannot resolve ${JSON.stringify(hp.host)}: ${String(err)}`, {
      cause: err,
    });
  }
}

/** Every IP address a host name has (A and AAAA records); injectable for tests. */
export type HostResolver = (host: string) => Promise<readonly string[]>;

/** The system resolver (`getaddrinfo`), all answers, in its order. */
export const systemResolver: HostResolver = async (host) =>
  (await lookup(host, { all: true })).map((found) => found.address);

/**
 * Resolves a host to every address it has, as memberlist's join does: a DNS name with several
 * A/AAAA records is a list of seeds, not one. IP literals resolve to themselves. Duplicates are
 * dropped. Fails with `SHOAL_ERR_CONFIG` naming the host when the name has no address.
 */
export async function resolveAddresses(
  hp: HostPort,
  resolver: HostResolver = systemResolver,
): Promise<Address[]> {
  if (isIP(hp.host) !== 0) return [{ host: hp.host, port: hp.port }];
  let found: readonly string[];
  try {
    found = await resolver(hp.host);
  } catch (err) {
    throw new ShoalError(ErrorCode.config, `cannot resolve ${JSON.stringify(hp.host)}: ${String(err)}`, {
      cause: err,
    });
  }
  const hosts = [...new Set(found.map(normalizeHost))];
  if (hosts.length === 0)
    throw new ShoalError(ErrorCode.config, `cannot resolve ${JSON.stringify(hp.host)}: no addresses`);
  return hosts.map((host) => ({ host, port: hp.port }));
}

/** 4 for IPv4 hosts, 6 for IPv6 ones (throws for a non-IP host). */
export function ipFamily(host: string): 4 | 6 {
  const family = isIP(host);
  if (family === 0) throw invalid(host, "not an IP address");
  return family === 6 ? 6 : 4;
}

/** True for `0.0.0.0` and `::`: "every interface", which cannot be advertised to peers. */
export function isUnspecifiedHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || /^(0{1,4}:){7}0{1,4}$/.test(host);
}

/**
 * Canonical text of a host: lower case, no IPv6 zone for loopback, and IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, as a dual-stack socket reports IPv4 peers) as plain IPv4, so one peer
 * has one address whichever socket saw it.
 */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (mapped?.[1] !== undefined) return mapped[1];
  return lower;
}

/** A stable map key for an address (same text as {@link formatAddress}). */
export function addressKey(address: Address): string {
  return formatAddress(address);
}
