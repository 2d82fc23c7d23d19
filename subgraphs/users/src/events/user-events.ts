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
