// Where a webhook may be sent: never to this host, the cluster's private network, link-local cloud
// metadata or any other special-purpose range (IPv4 and IPv6), unless the operator allows a range
// for on-premises receivers (BERTH_WEBHOOK_ALLOW). The URL parser already turns decimal, octal and
// hex IPv4 forms (http://2130706433/, http://0177.0.0.1/) into dotted quads, so one address check
// covers them. A name is resolved once and the request connects to the address that was checked
// (webhook-sender.ts): nothing is resolved again between the check and the connection.
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

const SPECIAL_V4 = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

const SPECIAL_V6 = [
  "::/128",
  "::1/128",
  "::/96", // IPv4-compatible
  "64:ff9b::/96", // NAT64 reaches any IPv4 address
  "64:ff9b:1::/48",
  "100::/64",
  "2001::/23", // protocol assignments, Teredo included
  "2001:db8::/32",
  "2002::/16", // 6to4 embeds an IPv4 address
  "fc00::/7",
  "fe80::/10",
  "fec0::/10",
  "ff00::/8",
];

/** Names that only mean something inside a host or a cluster. */
const INTERNAL_NAME = /(^|\.)(localhost|local|internal|svc|cluster\.local|home\.arpa|arpa)\.?$|^[^.]+$/i;

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function addCidr(list: BlockList, cidr: string): void {
  const [net, bits] = cidr.split("/");
  const type = isIP(net!) === 6 ? "ipv6" : "ipv4";
  list.addSubnet(net!, Number(bits), type);
}

/** Parses `a.b.c.d/n` or `x::y/n`; throws on anything else (the configuration check uses it). */
export function parseCidr(cidr: string): string {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  const family = m ? isIP(m[1]!) : 0;
  if (!m || family === 0 || Number(m[2]) > (family === 4 ? 32 : 128))
    throw new Error(`not a CIDR range: "${cidr}"`);
  return `${m[1]}/${m[2]}`;
}

/** `::ffff:a.b.c.d` is an IPv4 address in IPv6 clothing: judge it as the IPv4 address. */
function unmapped(address: string): { address: string; type: "ipv4" | "ipv6" } {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return { address: m[1]!, type: "ipv4" };
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const hi = Number.parseInt(hex[1]!, 16);
    const lo = Number.parseInt(hex[2]!, 16);
    return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, type: "ipv4" };
  }
  return { address, type: isIP(address) === 6 ? "ipv6" : "ipv4" };
}

export class WebhookTargetPolicy {
  readonly #special = new BlockList();
  readonly #allowed = new BlockList();

  constructor(allow: readonly string[] = []) {
    for (const c of SPECIAL_V4) addCidr(this.#special, c);
    for (const c of SPECIAL_V6) addCidr(this.#special, c);
    for (const c of allow) addCidr(this.#allowed, parseCidr(c));
  }

  /** Whether Berth may connect to this IP address. */
  checkAddress(raw: string): Verdict {
    const { address, type } = unmapped(raw.replace(/^\[|\]$/g, ""));
    if (this.#allowed.check(address, type)) return { ok: true };
    if (this.#special.check(address, type))
      return { ok: false, reason: `${raw} is a loopback, private, link-local or special-purpose address` };
    return { ok: true };
  }

  /** What can be said of a URL without resolving it. */
  checkUrl(raw: string): Verdict & { url?: URL } {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { ok: false, reason: "not a URL" };
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      return { ok: false, reason: "only http and https are sent to" };
    if (url.username !== "" || url.password !== "")
      return { ok: false, reason: "credentials in the URL are not accepted" };
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) !== 0) {
      const v = this.checkAddress(host);
      return v.ok ? { ok: true, url } : v;
    }
    return { ok: true, url };
  }

  /**
   * Resolves the URL's host once and returns the address to connect to, checked; every address the
   * name has must pass (a name that also points inside is refused, whichever answer comes first).
   */
  async resolve(
    raw: string,
  ): Promise<{ ok: true; url: URL; address: string; family: 4 | 6 } | { ok: false; reason: string }> {
    const first = this.checkUrl(raw);
    if (!first.ok) return first;
    const url = first.url!;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const literal = isIP(host);
    if (literal !== 0) return { ok: true, url, address: host, family: literal as 4 | 6 };
    let answers: { address: string; family: number }[];
    try {
      answers = await lookup(host, { all: true, verbatim: true });
    } catch (err) {
      return {
        ok: false,
        reason: `${host} does not resolve (${(err as { code?: string }).code ?? "error"})`,
      };
    }
    if (answers.length === 0) return { ok: false, reason: `${host} has no address` };
    for (const a of answers) {
      const v = this.checkAddress(a.address);
      if (!v.ok) return { ok: false, reason: `${host} resolves to ${a.address}: ${v.reason}` };
    }
    return { ok: true, url, address: answers[0]!.address, family: answers[0]!.family as 4 | 6 };
  }

  /**
   * At registration: the URL's own form, then its name's addresses where it resolves. A name that
   * does not resolve now is accepted unless it can only be an internal one; sending checks again.
   */
  async checkRegistration(raw: string): Promise<Verdict> {
    const first = this.checkUrl(raw);
    if (!first.ok) return first;
    const resolved = await this.resolve(raw);
    if (resolved.ok) return { ok: true };
    if (/does not resolve|has no address/.test(resolved.reason))
      return INTERNAL_NAME.test(first.url!.hostname)
        ? { ok: false, reason: `${first.url!.hostname} names a host inside this machine or cluster` }
        : { ok: true };
    return resolved;
  }
}
