import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { deadLetters } from '@ates/events';
import { sentEmails } from '../src/db/schema.ts';
import { messageIdFor } from '../src/service.ts';
import { FROM, payoutJob, readableEml, startEmailHarness, type EmailHarness } from './support/harness.ts';

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server in this process: what the worker delivers is what it receives. */
const received: ReceivedMail[] = [];
const arrivals = new EventEmitter();
let smtp: SMTPServer;
let h: EmailHarness;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) {
        const refusal = Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 });
        return callback(refusal);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        received.push(mail);
        arrivals.emit('mail', mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  h = await startEmailHarness('emailsmtp', { smtpUrl: `smtp://127.0.0.1:${port}`, smtpTimeoutMs: 5000 });
});

afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

const mailsTo = (address: string) => received.filter((m) => m.to.includes(address));

describe('email worker with SMTP', () => {
  it('delivers a payout notice to the SMTP server once, with a Message-ID derived from its key', async () => {
    expect(h.worker.transport).toBe('smtp');
    const job = payoutJob({ to: 'polly@popug.inc' }, { name: 'Polly', day: '2026-02-28', amountCents: 5 });
    const arrived = once(arrivals, 'mail');
    const id = await h.requestEmail(job);
    const [mail] = (await arrived) as [ReceivedMail];
    // Redelivered (the same event again): skipped by the inbox.
    await h.requestEmail(job, { id, msgId: `${id}.again` });
    await h.worker.jobsCaughtUp();

    expect(mailsTo('polly@popug.inc')).toHaveLength(1);
    expect(mail.from).toBe('payroll@ates.popug');
    const eml = readableEml(mail.raw);
    expect(eml).toContain('Subject: Your aTES payout for 2026-02-28: $0.05');
    expect(eml).toContain(`Message-ID: ${messageIdFor(job.idempotencyKey, FROM)}`);
    expect(eml).toContain('Hello, Polly!');
    expect(eml).toContain('Saturday, 28 February 2026');
    const [row] = await h.database.db
      .select()
      .from(sentEmails)
      .where(eq(sentEmails.idempotencyKey, job.idempotencyKey));
    expect(row?.transport).toBe('smtp');
    expect(row?.detail).toMatch(/^250/);
  });

  it('a job the SMTP server keeps refusing ends in the dead-letter table', async () => {
    const job = payoutJob({ to: 'nobody@popug.inc' });
    const jobId = await h.requestEmail(job);
    await h.worker.jobsCaughtUp();
    const [dead] = await h.database.db.select().from(deadLetters).where(eq(deadLetters.eventId, jobId));
    expect(dead?.attempts).toBe(3);
    expect(dead?.reason).toContain('550');
    expect(mailsTo('nobody@popug.inc')).toHaveLength(0);
  });
});
