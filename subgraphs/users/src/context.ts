import type { IncomingMessage } from 'node:http';
import DataLoader from 'dataloader';
import { clientAddressOf, type TokenVerifier, type Viewer } from '@ates/service-kit';
import { findUsersByIds } from './db/user-repository.ts';
import type { UserRow } from './db/schema.ts';
import type { UsersDeps } from './use-cases/deps.ts';

export interface Context {
  viewer: Viewer | null;
  /**
   * The user a token was issued to by this very request (signUp/logIn): they may read their
   * own private fields in the mutation's payload before they hold the token.
   */
  authenticatedNow?: string;
  deps: UsersDeps;
  /** Batches entity lookups from the gateway (`_entities`) and nested fields: no N+1. */
  userById: DataLoader<string, UserRow | null>;
  /** The client's address as the gateway signed it (or this connection's peer). */
  clientAddress: string | undefined;
}

export function makeContextFactory(deps: UsersDeps, verifier: TokenVerifier, internalSecret?: string) {
  return async (req: IncomingMessage): Promise<Context> => {
    const viewer = await verifier.viewerFromHeader(req.headers.authorization);
    const userById = new DataLoader<string, UserRow | null>(async (ids) => {
      const rows = await findUsersByIds(deps.reads ?? deps.db, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    let clientAddress: { value: string | undefined } | undefined;
    return {
      viewer,
      deps,
      userById,
      // The address the gateway signed, else the peer: never a caller's X-Forwarded-For.
      // Checked (an HMAC) on first use: only log-in and password changes read it.
      get clientAddress() {
        clientAddress ??= { value: clientAddressOf(req, internalSecret) };
        return clientAddress.value;
      },
    };
  };
}
