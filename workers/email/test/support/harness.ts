import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  connectNats,
  makeEvent,
  subjectFor,
  type EmailRequestedV1,
  type EmailRequestedV2,
} from '@ates/events';
import { connectDatabase, createLogger, type Database } from '@ates/service-kit';
import { createTestDatabase, createTestNamespace, testNatsUrl, type TestDatabase } from '@ates/testing';
import * as tables from '../../src/db/tables.ts';
import { startEmailWorker, type EmailWorker, type EmailWorkerConfig } from '../../src/service.ts';

export const logger = createLogger({ service: 'email-test', level: process.env.LOG_LEVEL ?? 'silent' });

export const FROM = 'aTES Payroll <payroll@ates.popug>';

export interface EmailHarness {
  namespace: string;
  mailDir: string;
  worker: EmailWorker;
  database: Database<typeof tables>;
  /** Publishes a job as accounting's relay would (message id = event id); returns the envelope. */
  requestEmail(data: EmailRequestedV1, options?: { id?: string; msgId?: string }): Promise<string>;
  /** Publishes one v2 job carrying these emails (as accounting's PAID commit writes them); returns its id. */
  requestEmails(emails: EmailRequestedV1[], options?: { id?: string; msgId?: string }): Promise<string>;
  /** Publishes the same event again under another message id: a redelivery the stream cannot drop. */
  publishRaw(subject: string, body: string, msgId?: string): Promise<void>;
  userCreated(user: { userId: string; login: string; name: string; email: string }): Promise<void>;
  emlFiles(): string[];
  close(): Promise<void>;
}

/**
 * One database, one NATS namespace, one mail directory and one running worker per test file.
 * `config` adjusts the worker (transport, SMTP, retries); the rest is the harness's.
 */
export async function startEmailHarness(
  label: string,
  config: Partial<EmailWorkerConfig> = {},
): Promise<EmailHarness> {
  const namespace = createTestNamespace();
  const testDb: TestDatabase = await createTestDatabase(label);
  const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-mail-'));
  const worker = await startEmailWorker({
    databaseUrl: testDb.url,
    natsUrl: testNatsUrl(),
    natsNamespace: namespace,
    mailDir,
    from: FROM,
    logger,
    backoffMs: [20],
    maxDeliver: 3,
    ...config,
  });
  const nats: NatsConnection = await connectNats(testNatsUrl(), { name: `email-test-${label}` });
  const js: JetStreamClient = jetstream(nats);
  const database = connectDatabase(testDb.url, tables, { max: 2 });

  async function publishRaw(subject: string, body: string, msgId?: string) {
    await js.publish(subject, body, msgId ? { msgID: msgId } : undefined);
  }

  return {
    namespace,
    mailDir,
    worker,
    database,
    async requestEmail(data, options = {}) {
      const event = makeEvent({
        type: 'email.requested',
        version: 1,
        producer: 'accounting',
        aggregateId: data.userId,
        data,
        id: options.id ?? randomUUID(),
      });
      await publishRaw(
        subjectFor(namespace, 'email.requested'),
        JSON.stringify(event),
        options.msgId ?? event.id,
      );
      return event.id;
    },
    async requestEmails(emails, options = {}) {
      const event = makeEvent({
        type: 'email.requested',
        version: 2,
        producer: 'accounting',
        aggregateId: emails[0]!.data.day,
        data: { emails: emails as EmailRequestedV2['emails'] },
        id: options.id ?? randomUUID(),
      });
      await publishRaw(
        subjectFor(namespace, 'email.requested'),
        JSON.stringify(event),
        options.msgId ?? event.id,
      );
      return event.id;
    },
    publishRaw,
    async userCreated(user) {
      const event = makeEvent({
        type: 'user.created',
        version: 1,
        producer: 'users',
        aggregateId: user.userId,
        data: { ...user, role: 'WORKER', createdAt: new Date().toISOString() },
      });
      await publishRaw(subjectFor(namespace, 'user.created'), JSON.stringify(event), event.id);
    },
    emlFiles: () =>
      fs
        .readdirSync(mailDir)
        .filter((f) => f.endsWith('.eml'))
        .sort(),
    async close() {
      await worker.stop();
      await nats.close();
      await database.close();
      await testDb.drop();
      fs.rmSync(mailDir, { recursive: true, force: true });
    },
  };
}

export function payoutJob(
  overrides: Partial<EmailRequestedV1> = {},
  data: Partial<EmailRequestedV1['data']> = {},
) {
  const payoutId = randomUUID();
  return {
    userId: randomUUID(),
    template: 'payout-notice',
    idempotencyKey: `payout-notice:${payoutId}`,
    ...overrides,
    data: { day: '2026-05-04', amountCents: 123_456, ...data },
  } satisfies EmailRequestedV1;
}

/** An .eml as a person reads it: quoted-printable soft breaks and escapes undone (ASCII text). */
export const readableEml = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
