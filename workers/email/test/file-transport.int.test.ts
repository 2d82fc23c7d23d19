import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { deadLetters, withNamespace } from '@ates/events';
import { sentEmails } from '../src/db/schema.ts';
import {
  createFileTransport,
  emlFileName,
  graphqlUserDirectory,
  messageIdFor,
  type MailTransport,
} from '../src/service.ts';
import { FROM, payoutJob, readableEml, startEmailHarness, type EmailHarness } from './support/harness.ts';

let h: EmailHarness;
/** Sends through the real file transport; a test can make it fail after the file is written. */
let failAfterWriting = 0;
/** Sends that succeed before the next `failAfterWriting` applies (a failure inside a job). */
let sendsBeforeFailure = 0;
let sends = 0;

beforeAll(async () => {
  const inner: { real?: MailTransport } = {};
  const flaky: MailTransport = {
    kind: 'file',
    async send(email) {
      sends += 1;
      if (!inner.real) throw new Error('transport not ready');
      const result = await inner.real.send(email);
      if (sendsBeforeFailure > 0) {
        sendsBeforeFailure -= 1;
        if (sendsBeforeFailure === 0) failAfterWriting = 1;
        return result;
      }
      if (failAfterWriting > 0) {
        failAfterWriting -= 1;
        // What a crash (or a dropped SMTP connection) after the message was accepted looks like.
        throw new Error('connection lost after the message was accepted');
      }
      return result;
    },
    close: () => inner.real?.close(),
  };
  h = await startEmailHarness('emailfile', { transport: flaky });
  inner.real = createFileTransport(h.mailDir);
});

afterAll(async () => {
  await h?.close();
});

const emlOf = (key: string) => path.join(h.mailDir, emlFileName(key));
const sentRows = (key: string) =>
  h.database.db.select().from(sentEmails).where(eq(sentEmails.idempotencyKey, key));

describe('email worker without SMTP (.eml files)', () => {
  it("renders a payout notice to the popug's address and name known from the users' events", async () => {
    const userId = randomUUID();
    await h.userCreated({ userId, login: 'kesha', name: 'Kesha Popugaev', email: 'kesha@popug.inc' });
    await h.worker.usersCaughtUp();
    const job = payoutJob({ userId }, { day: '2026-05-04', amountCents: 123_456 });
    await h.requestEmail(job);
    await h.worker.jobsCaughtUp();

    const eml = readableEml(fs.readFileSync(emlOf(job.idempotencyKey), 'utf8'));
    expect(eml).toContain('To: kesha@popug.inc');
    expect(eml).toContain(`From: ${FROM}`);
    expect(eml).toContain('Subject: Your aTES payout for 2026-05-04: $1,234.56');
    expect(eml).toContain(`Message-ID: ${messageIdFor(job.idempotencyKey, FROM)}`);
    expect(eml).toContain('Hello, Kesha Popugaev!');
    expect(eml).toContain('Your earnings for Monday, 4 May 2026 (2026-05-04) have been paid out: $1,234.56.');
    expect(eml).toContain('<strong>Monday, 4 May 2026</strong>');
    expect(eml).toContain('Content-Type: text/html');
    const [row] = await sentRows(job.idempotencyKey);
    expect(row).toMatchObject({ recipient: 'kesha@popug.inc', transport: 'file', userId });
  });

  it('a job redelivered (the same event again) produces exactly one .eml', async () => {
    const job = payoutJob({ to: 'rio@popug.inc' }, { name: 'Rio' });
    const before = sends;
    const id = await h.requestEmail(job);
    await h.requestEmail(job, { id, msgId: `${id}.again` });
    await h.worker.jobsCaughtUp();
    expect(sends - before).toBe(1);
    expect(h.emlFiles().filter((f) => f === emlFileName(job.idempotencyKey))).toHaveLength(1);
    expect(await sentRows(job.idempotencyKey)).toHaveLength(1);
  });

  it('another job with the same idempotency key is not sent again', async () => {
    const job = payoutJob({ to: 'zazu@popug.inc' });
    await h.requestEmail(job);
    await h.worker.jobsCaughtUp();
    const before = sends;
    await h.requestEmail({ ...job, data: { ...job.data, amountCents: 1 } });
    await h.worker.jobsCaughtUp();
    expect(sends).toBe(before);
    expect(fs.readFileSync(emlOf(job.idempotencyKey), 'utf8')).toContain('$1,234.56');
  });

  it('a send whose commit is lost is redone on redelivery and still leaves one .eml', async () => {
    const job = payoutJob({ to: 'gosha@popug.inc' });
    failAfterWriting = 1;
    const before = sends;
    await h.requestEmail(job);
    await h.worker.jobsCaughtUp();
    expect(sends - before).toBe(2);
    expect(h.emlFiles().filter((f) => f === emlFileName(job.idempotencyKey))).toHaveLength(1);
    const rows = await sentRows(job.idempotencyKey);
    expect(rows).toHaveLength(1);
  });

  it('a job for a user nobody knows keeps failing and ends in the dead-letter table', async () => {
    const job = payoutJob();
    const jobId = await h.requestEmail(job);
    await h.worker.jobsCaughtUp();
    const [dead] = await h.database.db.select().from(deadLetters).where(eq(deadLetters.eventId, jobId));
    expect(dead).toMatchObject({
      consumer: 'email-worker-jobs',
      type: 'email.requested',
      attempts: 3,
      status: 'dead',
    });
    expect(dead?.reason).toContain('no email address known');
    expect(await sentRows(job.idempotencyKey)).toHaveLength(0);
  });

  it('a v2 job sends each of its emails once, and none again when it is redelivered', async () => {
    const sentBefore = payoutJob({ to: 'first@popug.inc' });
    await h.requestEmail(sentBefore);
    await h.worker.jobsCaughtUp();
    const jobs = [sentBefore, payoutJob({ to: 'a@popug.inc' }), payoutJob({ to: 'b@popug.inc' })];
    const before = sends;
    const id = await h.requestEmails(jobs);
    await h.requestEmails(jobs, { id, msgId: `${id}.again` });
    await h.worker.jobsCaughtUp();
    // The key a v1 job already sent is skipped; the two others go out once each.
    expect(sends - before).toBe(2);
    for (const job of jobs) expect(await sentRows(job.idempotencyKey)).toHaveLength(1);
    expect((await sentRows(jobs[1]!.idempotencyKey))[0]).toMatchObject({
      jobId: id,
      recipient: 'a@popug.inc',
    });
  });

  it('a v2 job whose send fails resumes after the emails already sent', async () => {
    const jobs = [
      payoutJob({ to: 'x@popug.inc' }),
      payoutJob({ to: 'y@popug.inc' }),
      payoutJob({ to: 'z@popug.inc' }),
    ];
    const before = sends;
    // The first email commits; the second is accepted but its commit is lost, which fails the job.
    sendsBeforeFailure = 1;
    await h.requestEmails(jobs);
    await h.worker.jobsCaughtUp();
    // First delivery: x, y (failed after writing); the redelivery: y again, z. Never x twice.
    expect(sends - before).toBe(4);
    for (const job of jobs) {
      expect(await sentRows(job.idempotencyKey)).toHaveLength(1);
      expect(h.emlFiles().filter((f) => f === emlFileName(job.idempotencyKey))).toHaveLength(1);
    }
  });

  it('a v2 job with a recipient nobody knows sends the others once, then is dead-lettered', async () => {
    const jobs = [payoutJob({ to: 'p@popug.inc' }), payoutJob(), payoutJob({ to: 'q@popug.inc' })];
    const before = sends;
    const jobId = await h.requestEmails(jobs);
    await h.worker.jobsCaughtUp();
    expect(sends - before).toBe(2);
    expect(await sentRows(jobs[0]!.idempotencyKey)).toHaveLength(1);
    expect(await sentRows(jobs[1]!.idempotencyKey)).toHaveLength(0);
    expect(await sentRows(jobs[2]!.idempotencyKey)).toHaveLength(1);
    const [dead] = await h.database.db.select().from(deadLetters).where(eq(deadLetters.eventId, jobId));
    expect(dead).toMatchObject({ consumer: 'email-worker-jobs', attempts: 3, status: 'dead' });
    expect(dead?.reason).toContain('no email address known');
  });

  it('a job that breaks its schema is dead-lettered at once', async () => {
    const subject = withNamespace(h.namespace, 'jobs.email.requested');
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      type: 'email.requested',
      version: 1,
      occurredAt: new Date().toISOString(),
      producer: 'accounting',
      data: {
        userId: randomUUID(),
        template: 'payout-notice',
        idempotencyKey: 'x',
        data: { day: '2026-05-04', amountCents: 12.5 },
      },
    });
    await h.publishRaw(subject, body, id);
    await h.worker.jobsCaughtUp();
    const [dead] = await h.database.db.select().from(deadLetters).where(eq(deadLetters.eventId, id));
    expect(dead?.attempts).toBe(1);
    expect(dead?.reason).toContain('schema violation');
  });
});

describe('email worker asking the User Service for users it has no event about', () => {
  let users: http.Server;
  let h2: EmailHarness;
  const known = { id: randomUUID(), login: 'iago', name: 'Iago', email: 'iago@popug.inc' };
  let lastAuthorization: string | undefined;

  beforeAll(async () => {
    // Stands in for the User Service's `user(id)` query.
    users = http.createServer((req, res) => {
      lastAuthorization = req.headers.authorization;
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { variables } = JSON.parse(body) as { variables: { id: string } };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { user: variables.id === known.id ? known : null } }));
      });
    });
    await new Promise<void>((resolve) => users.listen(0, '127.0.0.1', resolve));
    const { port } = users.address() as AddressInfo;
    h2 = await startEmailHarness('emaildir', {
      directory: graphqlUserDirectory({
        url: `http://127.0.0.1:${port}/graphql`,
        token: 'admin-token',
        timeoutMs: 2000,
      }),
    });
  });

  afterAll(async () => {
    await h2?.close();
    await new Promise((resolve) => users?.close(resolve));
  });

  it("takes the address and name from the User Service when no users' event told the worker", async () => {
    const job = payoutJob({ userId: known.id });
    await h2.requestEmail(job);
    await h2.worker.jobsCaughtUp();
    const eml = readableEml(fs.readFileSync(path.join(h2.mailDir, emlFileName(job.idempotencyKey)), 'utf8'));
    expect(eml).toContain('To: iago@popug.inc');
    expect(eml).toContain('Hello, Iago!');
    expect(lastAuthorization).toBe('Bearer admin-token');
  });
});
