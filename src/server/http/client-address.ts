/**
 * The key a limiter counts a client address under, for every per-address limit of the server (the
 * login limits and the failed client authentication limit): one function, so no limit can count an
 * address another one aggregates.
 *
 * - An IPv4 address is its own key.
 * - An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, in any spelling: how a dual-stack socket reports an
 *   IPv4 client) is the IPv4 address: one host must not get a limit per spelling.
 * - Any other IPv6 address counts as its /64 (`2001:db8:1:1::/64`). A /64 is the smallest prefix a
 *   network hands out (RFC 7421), and a host picks any address in it at will (privacy addresses,
 *   RFC 8981): counted per address, one host would get 2^64 fresh limits. The cost: the hosts of one
 *   IPv6 LAN share their per-address limits, as IPv4 hosts behind one NAT do already.
 *
 * What this bounds and what not: a limiter's memory grows with the keys it holds (rate-limiter-flexible's
 * memory store keeps a record and a timer per key, about 2.4 KB, until the key's window ends). Keying IPv6
 * by /64 makes one host, or one /64, one key; it does not bound how many prefixes or IPv4 addresses an
 * attacker holds (a /48 is 65,536 /64s; a botnet has many IPv4 addresses). Every limit refuses the key
 * before it stores anything per account or client for it, so each address key holds a bounded number of
 * keys (see the limiters' headers); the number of address keys itself is bounded only by the addresses
 * the attacker controls.
 */
import ipaddr from "ipaddr.js";

/** The key of a socket's remote address; `unknown` when the socket has none (it closed already). */
export function clientAddressKey(address: string | undefined): string {
  if (address === undefined || address === "") return "unknown";
  // Sockets report addresses in Node's spelling; a string that is no address (tests, a proxy's socket
  // path) is a key of its own.
  // Four-part decimal only: ipaddr.js would also read "12345" or "0x7f.1" as IPv4, which no socket says.
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return ipaddr.IPv4.parse(address).toString();
  if (!ipaddr.IPv6.isValid(address)) return address;
  const ipv6 = ipaddr.IPv6.parse(address);
  if (ipv6.isIPv4MappedAddress()) return ipv6.toIPv4Address().toString();
  const [a = 0, b = 0, c = 0, d = 0] = ipv6.parts;
  return `${new ipaddr.IPv6([a, b, c, d, 0, 0, 0, 0]).toString()}/64`;
}
