import { epochMs } from './clock.ts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * Which peers may speak for the client in `X-Forwarded-For`: addresses, CIDR ranges or
 * proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`). Empty: trust no one.
 */
export type TrustedProxies = (peer: string) => boolean;

export const trustedProxies = (list: readonly string[]): TrustedProxies => {
  const trust = proxyAddr.compile(list.map((s) => s.trim()).filter(Boolean));
  return (address) => trust(address, 0);
};

/** Parses `ATES_TRUSTED_PROXIES` (comma-separated). */
export const parseTrustedProxies = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The client's address (Express/Fastify `trustProxy` semantics, via proxy-addr): walking
 * `X-Forwarded-For` from the right, starting at the peer, each hop is believed only while the
 * hop that reported it is a trusted proxy. A caller that is not a trusted proxy is the client,
 * whatever header it sends. Pure: the gateway's one source of the client address.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trust: TrustedProxies,
): string | undefined {
  if (!peer) return undefined;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor as string | undefined);
  // proxy-addr reads only these two properties of a request.
  const req = { socket: { remoteAddress: peer }, headers: header ? { 'x-forwarded-for': header } : {} };
  return proxyAddr(req as unknown as IncomingMessage, (address) => trust(address));
}

/** The header by which the gateway tells a subgraph the client's address, signed. */
export const CLIENT_ADDRESS_HEADER = 'x-ates-client-address';

/** How long a signed address is accepted (clock skew between hosts plus a request's life). */
const SIGNED_ADDRESS_MAX_AGE_MS = 60_000;

const mac = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(payload).digest('base64url');

/** `v1;<unix ms>;<address>;<HMAC-SHA256 of the rest with the internal secret>`. */
export function signClientAddress(secret: string, address: string, nowMs: number): string {
  const payload = `v1;${nowMs};${address}`;
  return `${payload};${mac(secret, payload)}`;
}

/**
 * The address in a header signed with `secret` and recent, else undefined: subgraphs take a
 * client address only from the gateway, never from a caller's `X-Forwarded-For`.
 */
export function verifyClientAddress(
  header: string | undefined,
  secret: string,
  nowMs: number,
): string | undefined {
  if (!header || header.length > 200) return undefined;
  const cut = header.lastIndexOf(';');
  if (cut < 0) return undefined;
  const payload = header.slice(0, cut);
  const given = Buffer.from(header.slice(cut + 1));
  const expected = Buffer.from(mac(secret, payload));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const [version, at, address] = payload.split(';');
  if (version !== 'v1' || !address || Math.abs(nowMs - Number(at)) > SIGNED_ADDRESS_MAX_AGE_MS)
    return undefined;
  return address;
}

/**
 * A subgraph's view of the client's address: what the gateway signed, or else the connection's
 * peer (a direct caller on the internal network is its own client).
 */
export function clientAddressOf(
  req: IncomingMessage,
  internalSecret: string | undefined,
): string | undefined {
  const header = req.headers[CLIENT_ADDRESS_HEADER];
  const signed =
    internalSecret && typeof header === 'string'
      ? verifyClientAddress(header, internalSecret, epochMs())
      : undefined;
  return signed ?? req.socket.remoteAddress ?? undefined;
}
