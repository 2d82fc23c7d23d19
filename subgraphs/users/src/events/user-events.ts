import { makeEvent } from '@ates/events';
import type { UserRow } from '../db/schema.ts';

const PRODUCER = 'users';

/** The events the users service publishes, built from its rows: one place for their shapes. */

export const userCreated = (user: UserRow) =>
  makeEvent({
    type: 'user.created',
    version: 1,
    producer: PRODUCER,
    aggregateId: user.id,
    occurredAt: user.createdAt,
    data: {
      userId: user.id,
      login: user.login,
      name: user.name,
      email: user.email,
      role: user.role,
      createdAt: user.createdAt.toISOString(),
    },
  });

export const userRoleChanged = (user: UserRow, previousRole: UserRow['role']) =>
  makeEvent({
    type: 'user.role-changed',
    version: 1,
    producer: PRODUCER,
    aggregateId: user.id,
    occurredAt: user.updatedAt,
    data: { userId: user.id, role: user.role, previousRole },
  });

export type TokensRevokedReason = 'role-changed' | 'deactivated' | 'password-changed';

/** The user's tokens before their current generation are dead (every verifier learns it). */
export const userTokensRevoked = (user: UserRow, reason: TokensRevokedReason, at: Date) =>
  makeEvent({
    type: 'user.tokens-revoked',
    version: 1,
    producer: PRODUCER,
    aggregateId: user.id,
    occurredAt: at,
    data: { userId: user.id, generation: user.tokenGeneration, reason, revokedAt: at.toISOString() },
  });
