import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import {
  connectNats,
  ensureStreams,
  makeEvent,
  removeStreams,
  subjectFor,
  type EventType,
} from '@ates/events';
import { createLogger, ManualClock, TokenSigner } from '@ates/service-kit';
import {
  createTestDatabase,
  createTestNamespace,
  generateTestKeys,
  GraphQLClient,
  testNatsUrl,
  type TestDatabase,
} from '@ates/testing';
import { rebuildReadModel, startAnalyticsService, type AnalyticsService } from '../src/service.ts';
import { analyticsDays, topTask } from '../src/use-cases/read-analytics.ts';
import {
  taskCompleted as completed,
  taskPriced as priced,
  transactionApplied as transaction,
} from './support/events.ts';
import { readModelRows } from './support/db/read-model.ts';

// The projection on real Postgres and NATS, fed crafted events in awkward orders. Los Angeles:
// 2026-03-01T07:30Z is still Saturday 2026-02-28 there; 08:30Z is Sunday 2026-03-01.
const TZ = 'America/Los_Angeles';
const clock = new ManualClock(new Date('2026-03-10T20:00:00Z')); // Tuesday 03-10, 13:00 PDT
const logger = createLogger({ service: 'analytics-int', level: 'silent' });

let testDb: TestDatabase;
let namespace: string;
let nats: Awaited<ReturnType<typeof connectNats>>;
let js: JetStreamClient;
let service: AnalyticsService;
let adminClient: GraphQLClient;

beforeAll(async () => {
  const keys = generateTestKeys();
  namespace = createTestNamespace();
  testDb = await createTestDatabase('analytics_int');
  nats = await connectNats(testNatsUrl(), { name: 'analytics-int' });
  await ensureStreams(await jetstreamManager(nats), namespace);
  js = jetstream(nats);
  service = await startAnalyticsService({
    host: '127.0.0.1',
    port: 0,
    databaseUrl: testDb.url,
    // Queries go through a second pool, as they would to a replica.
    readDatabaseUrl: testDb.url,
    natsUrl: testNatsUrl(),
    natsNamespace: namespace,
    publicKeyPem: keys.publicKeyPem,
    timeZone: TZ,
    introspection: false,
    maxBodyBytes: 1_000_000,
    logger,
    clock,
  });
  const signer = await TokenSigner.fromPem(keys.privateKeyPem, 600);
  adminClient = new GraphQLClient(
    service.url,
    await signer.sign({ userId: randomUUID(), role: 'ADMIN' }, new Date()),
  );
});
afterAll(async () => {
  await service?.stop();
  await removeStreams(await jetstreamManager(nats), namespace).catch(() => undefined);
  await nats?.close();
  await testDb?.drop();
});

async function publish(...events: Array<{ id: string; type: EventType }>) {
  for (const event of events)
    await js.publish(subjectFor(namespace, event.type), JSON.stringify(event), { msgID: event.id });
  await service.caughtUp();
}

const top = async (period: 'DAY' | 'WEEK' | 'MONTH', day: string) =>
  (await topTask(service.deps, period, day))?.taskId ?? null;

/** Every row of the read model, in a stable order. */
const tables = async () => ({
  ...(await readModelRows(service.deps.db)),
  red: await analyticsDays(service.deps, '2026-02-01', '2026-03-31'),
});

describe('the most expensive task', () => {
  const x = randomUUID();
  const y = randomUUID();
  const unpriced = randomUUID();

  it('joins reward and completion whichever arrives first, ranked in the local day, week and month', async () => {
    // X: completed on Saturday 02-28 evening in Los Angeles (already 03-01 in UTC); its reward
    // comes afterwards, with the reward transaction only.
    await publish(completed(x, '2026-03-01T07:30:00.000Z'));
    expect(await top('MONTH', '2026-02-10')).toBeNull();
    await publish(transaction(randomUUID(), 'TASK_REWARD', 30_00, '2026-03-01', x));
    // Y: priced first, completed on Sunday 03-01 00:30 local.
    await publish(priced(y, 35_00), completed(y, '2026-03-01T08:30:00.000Z'));
    // Completed but never priced: not ranked.
    await publish(completed(unpriced, '2026-03-01T09:00:00.000Z'));

    expect(await top('DAY', '2026-02-28')).toBe(x);
    expect(await top('MONTH', '2026-02-10')).toBe(x);
    expect(await top('DAY', '2026-03-01')).toBe(y);
    expect(await top('MONTH', '2026-03-31')).toBe(y);
    // Saturday 02-28 and Sunday 03-01 are one ISO week (from Monday 02-23): Y is dearer.
    expect(await top('WEEK', '2026-02-23')).toBe(y);
    expect(await top('WEEK', '2026-03-02')).toBeNull();
  });

  it('breaks a tie of reward and completion time by the smallest task id', async () => {
    const low = '00000000-0000-4000-8000-000000000001';
    const high = 'ffffffff-0000-4000-8000-000000000001';
    const at = '2026-03-03T18:00:00.000Z';
    await publish(priced(high, 40_00), completed(high, at), priced(low, 40_00), completed(low, at));
    expect(await top('DAY', '2026-03-03')).toBe(low);
    expect(await top('MONTH', '2026-03-03')).toBe(low);
  });

  it('answers through GraphQL with a Task reference the tasks subgraph resolves', async () => {
    const { analytics } = await adminClient.ok<{
      analytics: {
        mostExpensiveTask: { reward: string; completedAt: string; task: { __typename: string; id: string } };
      };
    }>(
      `{ analytics { mostExpensiveTask(period: DAY, day: "2026-02-28") { reward completedAt task { __typename id } } } }`,
    );
    expect(analytics.mostExpensiveTask).toEqual({
      reward: '30.00',
      completedAt: '2026-03-01T07:30:00.000Z',
      task: { __typename: 'Task', id: x },
    });
  });
});

describe('the count of popugs in red', () => {
  it('is kept at the end of each day, and corrected on later days when a transaction of a past day arrives late', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await publish(
      transaction(a, 'ASSIGN_FEE', -10_00, '2026-03-05'),
      transaction(a, 'TASK_REWARD', 30_00, '2026-03-08', randomUUID()),
      transaction(b, 'ASSIGN_FEE', -5_00, '2026-03-07'),
    );
    const red = async () =>
      (await analyticsDays(service.deps, '2026-03-04', '2026-03-10')).map((d) => d.popugsInRed);
    // A in red from 03-05 until its reward on 03-08; B from 03-07; today (03-10) counts now.
    expect(await red()).toEqual([0, 1, 1, 2, 1, 1, 1]);
    // A reward for A that counts on 03-06 arrives after all of that.
    await publish(transaction(a, 'TASK_REWARD', 20_00, '2026-03-06', randomUUID()));
    expect(await red()).toEqual([0, 1, 0, 1, 1, 1, 1]);
    const days = await analyticsDays(service.deps, '2026-03-05', '2026-03-06');
    expect(days.map((d) => d.managementEarnings)).toEqual([10_00, -20_00]);
  });
});

describe('events', () => {
  it('accepts task.created v1 (Jira id inside the title) and v2 side by side', async () => {
    const v1 = randomUUID();
    const v2 = randomUUID();
    const createdBy = randomUUID();
    const createdAt = new Date().toISOString();
    await publish(
      makeEvent({
        type: 'task.created',
        version: 1,
        producer: 'tasks',
        aggregateId: v1,
        data: { taskId: v1, title: '[POPUG-9] Old style', description: null, createdBy, createdAt },
      }),
    );
    await publish(
      makeEvent({
        type: 'task.created',
        version: 2,
        producer: 'tasks',
        aggregateId: v2,
        data: { taskId: v2, title: 'New style', jiraId: 'POPUG-10', description: '', createdBy, createdAt },
      }),
    );
    const rows = await service.deps.db.query.tasks.findMany({
      where: (t, { inArray }) => inArray(t.id, [v1, v2]),
      columns: { id: true, title: true, jiraId: true },
    });
    expect(rows.sort((p, q) => (p.id === v1 ? -1 : q.id === v1 ? 1 : 0))).toEqual([
      { id: v1, title: 'Old style', jiraId: 'POPUG-9' },
      { id: v2, title: 'New style', jiraId: 'POPUG-10' },
    ]);
  });

  it('changes nothing when an event is delivered again (beyond the stream’s duplicate window)', async () => {
    const account = randomUUID();
    const fee = transaction(account, 'ASSIGN_FEE', -12_34, '2026-03-09');
    const task = randomUUID();
    const reward = transaction(account, 'TASK_REWARD', 25_00, '2026-03-09', task);
    await publish(fee, reward, completed(task, '2026-03-09T20:00:00.000Z'));
    const before = await tables();
    // A republish under a new message id reaches the consumer; its inbox skips it.
    for (const event of [fee, reward])
      await js.publish(subjectFor(namespace, event.type), JSON.stringify(event), {
        msgID: `${event.id}.again`,
      });
    await service.caughtUp();
    expect(await tables()).toEqual(before);
  });
});

describe('rebuild', () => {
  it('reproduces the read model from the streams, even with the service running beside it', async () => {
    const before = await tables();
    expect(before.earnings.length).toBeGreaterThan(3);
    const result = await rebuildReadModel({
      databaseUrl: testDb.url,
      natsUrl: testNatsUrl(),
      namespace,
      timeZone: TZ,
      logger,
    });
    expect(result.done).toBe(result.total);
    await service.caughtUp();
    expect(await tables()).toEqual(before);
  });

  it('serves queries from the read database and reports both databases ready', async () => {
    const response = await fetch(service.url.replace('/graphql', '/readyz'));
    expect(response.status).toBe(200);
    expect(service.deps.readDb).not.toBe(service.deps.db);
  });
});
