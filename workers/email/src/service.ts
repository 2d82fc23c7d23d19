import path from 'node:path';
import { openEventChannels } from '@ates/events';
import { startWorker, systemClock, type Clock, type Logger } from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { keepRecipientsWhenUsersChange } from './events/keep-recipients-when-users-change.ts';
import { sendEmailWhenRequested } from './events/send-email-when-requested.ts';
import type { UserDirectory } from './recipients/user-directory.ts';
import { createFileTransport } from './transport/file-transport.ts';
import type { MailTransport } from './transport/mail-transport.ts';
import { createSmtpTransport } from './transport/smtp-transport.ts';

export { createFileTransport } from './transport/file-transport.ts';
export { createSmtpTransport } from './transport/smtp-transport.ts';
export {
  emlFileName,
  messageIdFor,
  type MailTransport,
  type OutgoingEmail,
} from './transport/mail-transport.ts';
export { graphqlUserDirectory, type UserDirectory } from './recipients/user-directory.ts';
export { renderEmail } from './templates/render.ts';

export const migrationsFolder = path.resolve(import.meta.dirname, '../drizzle');

/** The durable consumer of email jobs (work queue: one consumer for `jobs.email.requested`). */
export const JOBS_CONSUMER = 'email-worker-jobs';
export const USERS_CONSUMER = 'email-worker-users';

export interface EmailWorkerConfig {
  host?: string;
  /** 0 picks a free port (tests); undefined: no HTTP server. */
  port?: number;
  databaseUrl: string;
  natsUrl: string;
  natsNamespace?: string;
  /** Copies of each JetStream stream (`ATES_NATS_STREAM_REPLICAS`); default 1. */
  streamReplicas?: number;
  /** SMTP server; without it, `.eml` files go to `mailDir`. */
  smtpUrl?: string;
  smtpTimeoutMs?: number;
  mailDir: string;
  from: string;
  directory?: UserDirectory;
  logger: Logger;
  clock?: Clock;
  /** Overrides the SMTP/file choice (tests wrap a transport to fail at chosen moments). */
  transport?: MailTransport;
  maxDeliver?: number;
  backoffMs?: number[];
  ackWaitMs?: number;
}

export interface EmailWorker {
  /** `http://host:port` of /healthz, /readyz and /metrics, when a port was given. */
  url?: string;
  transport: 'smtp' | 'file';
  /** Resolves when every job published so far is sent, skipped or dead-lettered (tests). */
  jobsCaughtUp(options?: { timeoutMs?: number }): Promise<void>;
  /** Resolves when the users' events published so far are applied (tests). */
  usersCaughtUp(options?: { timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Its metrics label, its database and NATS client name, and its schema. */
const EMAIL_WORKER = { name: 'email', processName: 'ates-email-worker', tables, migrationsFolder };

/** The email worker: users' events in, email jobs from the work queue (startWorker does the rest). */
export async function startEmailWorker(config: EmailWorkerConfig): Promise<EmailWorker> {
  const running = await startWorker({
    ...EMAIL_WORKER,
    settings: config,
    async setup(runtime) {
      const transport =
        config.transport ??
        (config.smtpUrl
          ? createSmtpTransport({ url: config.smtpUrl, timeoutMs: config.smtpTimeoutMs ?? 10_000 })
          : createFileTransport(config.mailDir));
      runtime.onStop(() => transport.close());
      const events = await openEventChannels(runtime, config, { produces: false });
      const usersConsumer = await events.consume({
        name: USERS_CONSUMER,
        domain: 'users',
        handlers: keepRecipientsWhenUsersChange,
      });
      const jobsConsumer = await events.consume({
        name: JOBS_CONSUMER,
        domain: 'jobs',
        filterSubject: 'jobs.email.requested',
        handlers: sendEmailWhenRequested({
          transport,
          directory: config.directory,
          from: config.from,
          clock: config.clock ?? systemClock,
          db: runtime.database.db,
        }),
        // One job per transaction: a failing job never makes another job's email go out again.
        maxBatch: 1,
        prefetch: 10,
        maxDeliver: config.maxDeliver ?? 5,
        ...(config.backoffMs ? { backoffMs: config.backoffMs } : {}),
        // Longer than a slow SMTP exchange, so a job is not redelivered while it is being sent.
        ackWaitMs: config.ackWaitMs ?? 60_000,
      });
      return {
        facts: {
          transport: transport.kind,
          ...(transport.kind === 'file' ? { mailDir: config.mailDir } : {}),
        },
        handle: {
          transport: transport.kind,
          jobsCaughtUp: (options?: { timeoutMs?: number }) => jobsConsumer.caughtUp(options),
          usersCaughtUp: (options?: { timeoutMs?: number }) => usersConsumer.caughtUp(options),
        },
      };
    },
  });
  return { url: running.url, ...running.handle, stop: running.stop };
}
