import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { EmailRequestedV1, EventEnvelope, EventHandlers } from '@ates/events';
import type { Clock, Logger } from '@ates/service-kit';
import type * as tables from '../db/tables.ts';
import {
  findRecipient,
  findSentEmail,
  lockIdempotencyKey,
  recordSentEmail,
  rememberProfileIfUnknown,
  type EmailTx,
} from '../db/email-repository.ts';
import type { UserDirectory } from '../recipients/user-directory.ts';
import { renderEmail } from '../templates/render.ts';
import { messageIdFor, type MailTransport } from '../transport/mail-transport.ts';

export interface SendEmailDeps {
  transport: MailTransport;
  /** Asked when the users' events have not told the worker about the recipient (optional). */
  directory?: UserDirectory;
  from: string;
  clock: Clock;
  /** The worker's database: each email of a v2 job commits its `sent_emails` row on its own. */
  db: PostgresJsDatabase<typeof tables>;
}

/** Nobody knows where to send the email (yet): retried with backoff, then dead-lettered. */
export class UnknownRecipientError extends Error {
  constructor(userId: string) {
    super(
      `no email address known for user ${userId} (no "to" in the job, no users' event, no User Service answer)`,
    );
    this.name = 'UnknownRecipientError';
  }
}

type Tx = EmailTx;

async function resolveRecipient(tx: Tx, job: EmailRequestedV1, deps: SendEmailDeps, logger: Logger) {
  const known = await findRecipient(tx, job.userId);
  if (job.to) return { email: job.to, name: job.data.name ?? known?.name ?? 'popug' };
  if (known) return { email: known.email, name: job.data.name ?? known.name };
  const found = await deps.directory?.find(job.userId);
  if (!found) throw new UnknownRecipientError(job.userId);
  logger.info({ userId: job.userId }, 'recipient taken from the User Service');
  await rememberProfileIfUnknown(tx, { ...found, userId: job.userId });
  return { email: found.email, name: job.data.name ?? found.name };
}

/**
 * Sends the email of a job, at most once per idempotency key as far as the database can tell:
 *
 * 1. an advisory lock on the key, so two deliveries of it (a redelivery after ack-wait while
 *    the first is still sending, or two jobs with one key) never send side by side;
 * 2. a key already in `sent_emails` is skipped;
 * 3. render, send, then insert into `sent_emails` — in the transaction that also commits the
 *    job's inbox row, and the message is acked only after that commit.
 *
 * The window that remains is a crash (or a lost connection) after the mail server accepted the
 * message and before the commit: the job is redelivered and sent again. We choose that
 * (at-least-once) over losing a payout notice; the resend carries the same Message-ID, and the
 * file transport writes the same file again, so the duplicate is recognisable or invisible.
 */
export async function sendRequestedEmail(
  job: EmailRequestedV1,
  jobId: string,
  tx: Tx,
  deps: SendEmailDeps,
  logger: Logger,
): Promise<void> {
  const key = job.idempotencyKey;
  await lockIdempotencyKey(tx, key);
  const sent = await findSentEmail(tx, key);
  if (sent) {
    logger.info({ idempotencyKey: key, jobId: jobId, sentBy: sent.jobId }, 'email already sent; skipped');
    return;
  }
  const recipient = await resolveRecipient(tx, job, deps, logger);
  const rendered = renderEmail(job.template, job.data, recipient.name);
  const messageId = messageIdFor(key, deps.from);
  const now = deps.clock.now();
  const result = await deps.transport.send({
    from: deps.from,
    to: recipient.email,
    ...rendered,
    messageId,
    idempotencyKey: key,
    date: now,
  });
  await recordSentEmail(tx, {
    idempotencyKey: key,
    jobId: jobId,
    userId: job.userId,
    template: job.template,
    recipient: recipient.email,
    subject: rendered.subject,
    messageId,
    transport: result.transport,
    detail: result.detail,
    sentAt: now,
  });
  logger.info(
    { idempotencyKey: key, jobId: jobId, template: job.template, via: result.transport },
    'email sent',
  );
}

/**
 * The emails of a v2 job, in order, each as a v1 job's in a transaction of its own, so an email
 * sent stays recorded (and is skipped when the job comes again) whatever happens to the others.
 * A recipient nobody knows fails only its own email: the rest are sent, then the job fails and
 * is retried (the sent ones skipped) until it is dead-lettered. Any other failure (the mail
 * server) stops the job at once, as a v1 job's would; its redelivery resumes after the sent ones.
 */
export async function sendRequestedEmails(
  event: EventEnvelope<'email.requested', 2>,
  deps: SendEmailDeps,
  logger: Logger,
): Promise<void> {
  let unknown: UnknownRecipientError | undefined;
  for (const job of event.data.emails) {
    try {
      await deps.db.transaction((tx) => sendRequestedEmail(job, event.id, tx, deps, logger));
    } catch (error) {
      if (!(error instanceof UnknownRecipientError)) throw error;
      logger.warn({ idempotencyKey: job.idempotencyKey, jobId: event.id }, error.message);
      unknown ??= error;
    }
  }
  if (unknown) throw unknown;
}

export const sendEmailWhenRequested = (deps: SendEmailDeps): EventHandlers<typeof tables> => ({
  'email.requested': {
    1: (event, { tx, logger }) => sendRequestedEmail(event.data, event.id, tx, deps, logger),
    // The job's own transaction only records it in the inbox: each email commits in its own.
    2: (event, { logger }) => sendRequestedEmails(event, deps, logger),
  },
});
