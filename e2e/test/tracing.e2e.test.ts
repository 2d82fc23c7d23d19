import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRELATION_HEADER, ensureDevKeys } from '@ates/service-kit';
import { connectWs, GraphQLClient, ops, waitFor, type TestDatabase } from '@ates/testing';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../scripts/lib/otlp-receiver.ts';
import { serviceArgs, services } from '../../scripts/lib/services.ts';
import { placeServices, testProcessEnv } from '../src/service-processes.ts';

// The services run as separate processes, each with OpenTelemetry loaded the way production
// loads it (`--import` of the telemetry module) and exporting OTLP to a receiver in this test:
// one trace must cross the process boundaries, so the spans cannot come from this process.
const TRACED = ['users', 'tasks', 'accounting', 'analytics', 'payment-sandbox', 'payout-worker', 'gateway'];
const ADMIN = { login: 'admin', password: 'admin-password-1' };

let receiver: OtlpReceiver;
const children: ChildProcess[] = [];
let databases: TestDatabase[] = [];
let dataDir: string;
let gatewayUrl: string;

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-tracing-'));
  ensureDevKeys(dataDir);
  const env: NodeJS.ProcessEnv = {
    ...testProcessEnv(dataDir),
    ATES_INTERNAL_SECRET: randomBytes(32).toString('base64url'),
    ATES_ADMIN_LOGIN: ADMIN.login,
    ATES_ADMIN_PASSWORD: ADMIN.password,
    ATES_PAYMENT_SANDBOX_SECRET: randomBytes(32).toString('base64url'),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Export within 100 ms of a span's end rather than 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  const specs = services().filter((s) => TRACED.includes(s.name));
  ({ databases } = await placeServices(env, specs, 'tracing', { addresses: true }));
  // The payout worker works on accounting's database.
  env.ACCOUNTING_DATABASE_URL ??= databases.find((db) => db.name.includes('accounting'))?.url;
  // Subgraphs first (each migrates its database), then the gateway, which composes them.
  for (const group of [
    specs.filter((s) => s.name !== 'gateway'),
    specs.filter((s) => s.name === 'gateway'),
  ]) {
    for (const spec of group) {
      const child = spawn(process.execPath, serviceArgs(spec, false), {
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
    }
    await Promise.all(
      group.map((spec) =>
        waitFor(
          `${spec.name} to be ready`,
          () => healthy(`http://127.0.0.1:${env[spec.port!.env]}/readyz`),
          120_000,
        ),
      ),
    );
  }
  gatewayUrl = `http://127.0.0.1:${env.GATEWAY_PORT}/graphql`;
}, 240_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await receiver?.close();
  for (const db of databases) await db.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

/** The spans of a trace whose parent is not in it (one: the root, when nothing was lost). */
function rootsOf(trace: ReceivedSpan[]): string[] {
  const ids = new Set(trace.map((s) => s.spanId));
  return trace
    .filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))
    .map((s) => `${s.service}: ${s.name}`);
}

describe('OpenTelemetry across processes', () => {
  it('shows one completeTask as one trace: gateway, tasks, outbox relay, consumers, subscription push', async () => {
    const anonymous = new GraphQLClient(gatewayUrl);
    const logIn = async (login: string, password: string) =>
      anonymous.withToken((await anonymous.ok(ops.LogInDocument, { login, password })).logIn.token);
    const admin = await logIn(ADMIN.login, ADMIN.password);
    const login = `traced${randomBytes(3).toString('hex')}`;
    await admin.ok(ops.CreateUserDocument, {
      input: {
        login,
        password: 'popug-password-1',
        role: 'WORKER',
        name: login,
        email: `${login}@ates.test`,
      },
    });
    const popug = await logIn(login, 'popug-password-1');
    // The popug watches its tasks. Tasks are created until one reaches it as a push: by then the
    // tracker knows the popug (from user.created) and the subscription is live end to end.
    const ws = connectWs(gatewayUrl, popug.token);
    const subscription = await ws.subscribe(print(ops.OnMyTasksDocument));
    let taskId: string | undefined;
    let correlationId: string | null = null;
    try {
      await waitFor(
        'a task assigned to the popug to be pushed to it',
        async () => {
          const response = await admin.request(ops.CreateTaskDocument, {
            input: { title: 'Trace me', description: '' },
          });
          taskId ??= response.data?.createTask.id;
          return (
            taskId !== undefined &&
            subscription.next(1000).then(
              () => true,
              () => false,
            )
          );
        },
        60_000,
      );
      const response = await fetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${popug.token}` },
        body: JSON.stringify({ query: print(ops.CompleteTaskDocument), variables: { id: taskId } }),
      });
      const body = (await response.json()) as { data?: { completeTask: { status: string } } };
      expect(body.data?.completeTask.status).toBe('DONE');
      correlationId = response.headers.get(CORRELATION_HEADER);
      type Pushed = { myTasks: { kind: string; task: { id: string } } };
      let pushed: Pushed;
      do pushed = (await subscription.next(30_000)).data as unknown as Pushed;
      while (pushed.myTasks.task.id !== taskId || pushed.myTasks.kind !== 'COMPLETED');
    } finally {
      await subscription.close();
      await ws.dispose();
    }

    const traceOf = (spans: ReceivedSpan[]) => {
      const mutation = spans.find((s) => s.service === 'tasks' && /completeTask/.test(s.name));
      return mutation ? spans.filter((s) => s.traceId === mutation.traceId) : [];
    };
    // Consumers apply the event and flush their spans within moments; no sleeping, just polling.
    let trace: ReceivedSpan[] = [];
    await waitFor(
      'one tree through the relay, both consumers and the subscription push',
      () => {
        trace = traceOf(receiver.spans());
        const names = trace.map((s) => `${s.service}: ${s.name}`);
        return (
          names.some((n) => n.startsWith('tasks: outbox publish')) &&
          names.some((n) => /^accounting: .* process /.test(n)) &&
          names.some((n) => /^analytics: .* process /.test(n)) &&
          names.some((n) => n.startsWith('tasks: live push')) &&
          // Each process exports on its own schedule: wait for the parents still in flight.
          rootsOf(trace).length === 1
        );
      },
      60_000,
    );
    const services = new Set(trace.map((s) => s.service));
    expect([...services].sort()).toEqual(
      expect.arrayContaining(['accounting', 'analytics', 'gateway', 'tasks']),
    );

    // The correlation id the gateway answered with (and logged under) is the trace's id.
    expect(correlationId).toBe(trace[0]!.traceId);

    // One tree: every span but the gateway's root has its parent in the trace.
    expect(rootsOf(trace)).toEqual([expect.stringMatching(/^gateway: /)]);
    // The mutation's database transaction (postgres.js has no instrumentation: drizzle's).
    expect(trace.some((s) => s.service === 'tasks' && s.name.startsWith('transaction '))).toBe(true);
    // Apollo Gateway's own plan and fetch spans are in it.
    expect(trace.some((s) => s.service === 'gateway' && s.name === 'gateway.plan')).toBe(true);
    expect(trace.some((s) => s.service === 'gateway' && s.name === 'gateway.fetch')).toBe(true);
  }, 240_000);

  it("continues an admin's close of the day into the payout worker's run", async () => {
    const anonymous = new GraphQLClient(gatewayUrl);
    const admin = anonymous.withToken(
      (await anonymous.ok(ops.LogInDocument, { login: ADMIN.login, password: ADMIN.password })).logIn.token,
    );
    const today = new Date().toISOString().slice(0, 10);
    await admin.ok(ops.CloseBillingDayDocument, { day: today });
    // The close commits PENDING payouts and NOTIFYs the worker with its traceparent.
    let trace: ReceivedSpan[] = [];
    await waitFor(
      'the payout worker to run in the trace of the close',
      () => {
        const spans = receiver.spans();
        const close = spans.find((s) => s.service === 'accounting' && /closeBillingDay/.test(s.name));
        trace = close ? spans.filter((s) => s.traceId === close.traceId) : [];
        return (
          trace.some((s) => s.service === 'payout-worker' && s.name === 'payout-worker run') &&
          rootsOf(trace).length === 1
        );
      },
      60_000,
    );
    expect(rootsOf(trace)).toEqual([expect.stringMatching(/^gateway: /)]);
  }, 120_000);
});
