import type { IncomingMessage } from 'node:http';

/**
 * The client's address: the socket's peer, or with `trustForwarded` (behind a proxy or the
 * gateway, which set it) the first address of `X-Forwarded-For`, falling back to the peer.
 */
export function clientAddressOf(req: IncomingMessage, trustForwarded: boolean): string | undefined {
  const forwarded = req.headers['x-forwarded-for'];
  const first = trustForwarded && typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined;
  return first || req.socket.remoteAddress || undefined;
}
