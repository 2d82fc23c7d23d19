import { connectNats, followTokenRevocations } from '@ates/events';
import type { Logger, TokenVerifier } from '@ates/service-kit';

/**
 * The gateway learns revoked tokens (a demoted user's, say) from the users stream, like the
 * subgraphs: it refuses them on HTTP and closes their sockets within seconds, not at expiry.
 * Without NATS (a gateway in front of stubs) tokens live until they expire (≤ 15 min).
 */
export async function learnTokenRevocations(
  nats: { url?: string | undefined; namespace?: string | undefined },
  verifier: TokenVerifier,
  logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  if (!nats.url) {
    logger.warn('no NATS_URL: revoked tokens are refused only when they expire');
    return { stop: async () => undefined };
  }
  const connection = await connectNats(nats.url, { name: 'ates-gateway' });
  const feed = followTokenRevocations({
    nats: connection,
    namespace: nats.namespace,
    sink: verifier,
    logger,
  });
  return {
    stop: async () => {
      await feed.stop();
      await connection.drain();
    },
  };
}
