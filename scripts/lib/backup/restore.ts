import path from 'node:path';
import postgres from 'postgres';
import type { connectNats } from '@ates/events';
import {
  assignmentsOf,
  ensureStreamsOver,
  horizonProblems,
  nonEmptyStreams,
  publishStreamCopy,
  readStreamTail,
  republishOutboxSince,
  resetConsumerTo,
  streamName,
  type AnyEventEnvelope,
  type StoredMessage,
} from '@ates/events';
import { rollForwardAccounting, type OwnEvent, type TaskEventFact } from '@ates/accounting/recovery';
import { rollForwardTaskTracker } from '@ates/tasks/recovery';
import { loadDatabase, otherSessions } from './database.ts';
import { readManifest, type Manifest } from './backup.ts';
import { INBOX_CONSUMERS, TARGETS } from './targets.ts';

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

/** A restore that must not run, with the reasons (nothing was changed). */
export class RestoreRefused extends Error {
  constructor(readonly reasons: string[]) {
    super(reasons.join('; '));
  }
}

export interface RestoreOptions {
  folder: string;
  /** The services to restore and their databases. */
  databases: Record<string, string>;
  /** Each service's migrations folder: a dump loads into the schema the code expects. */
  migrations: Record<string, string>;
  nats: NatsConnection;
  /**
   * The streams were lost with their NATS store: publish the backup's copies into the (empty)
   * streams, and replay every consumer from their start (every service must be restored).
   */
  streams?: boolean;
  log?: (line: string) => void;
}

/** How long before its instant a backup asks the producers' outboxes to publish again (relay lag). */
const REPUBLISH_MARGIN_MS = 10 * 60_000;

/**
 * `pnpm restore`: checks first (the backup's streams still reach back to it, the services are
 * stopped), then per service loads its dump, rolls accounting forward from its own stream, and
 * moves each durable consumer back to the floor recorded with the backup, so the service replays
 * what followed it and its inbox drops what it already had.
 */
export async function restoreBackup(options: RestoreOptions): Promise<Manifest> {
  const log = options.log ?? (() => {});
  const manifest = readManifest(options.folder);
  const namespace = manifest.namespace ?? undefined;
  const services = Object.keys(options.databases);
  const problems: string[] = [];
  for (const service of services) {
    if (!TARGETS[service]) problems.push(`unknown service ${service}`);
    else if (!manifest.databases[service]) problems.push(`the backup has no database of ${service}`);
  }
  const jobs = streamName(namespace, 'jobs');
  if (!options.streams) {
    const domainStreams = manifest.streams.filter((s) => s.stream !== jobs);
    for (const p of await horizonProblems(options.nats, domainStreams))
      problems.push(`the backup of ${manifest.createdAt} is older than the stream horizon: ${p}`);
  } else {
    const missing = Object.keys(TARGETS).filter((s) => TARGETS[s]!.byDefault && !services.includes(s));
    if (missing.length > 0)
      problems.push(`restoring the streams puts every service back: restore ${missing.join(', ')} too`);
    const full = await nonEmptyStreams(
      options.nats,
      manifest.streamCopies.map((c) => c.stream),
    );
    if (full.length > 0)
      problems.push(`the streams are published into only when empty or gone: ${full.join(', ')} hold events`);
  }
  for (const service of services) {
    const sessions = await otherSessions(options.databases[service]!);
    if (sessions.length > 0)
      problems.push(
        `stop ${service} first: ${sessions.length} sessions on its database (${[...new Set(sessions)].join(', ')})`,
      );
  }
  if (problems.length > 0) throw new RestoreRefused(problems);

  for (const service of services) {
    const dump = manifest.databases[service]!;
    await loadDatabase(
      options.databases[service]!,
      path.join(options.folder, dump.dir),
      dump,
      options.migrations[service]!,
    );
    log(`${service}: ${dump.database} loaded from the backup`);
    await checkInbox(service, options.databases[service]!);
  }
  if (options.streams) {
    await ensureStreamsOver(options.nats, namespace);
    for (const copy of manifest.streamCopies) {
      const n = await publishStreamCopy(options.nats, copy.stream, path.join(options.folder, copy.file));
      log(`stream ${copy.stream}: ${n} messages published from the backup`);
    }
    // What was published after the positions were read is in no copy: the producers send it again.
    const since = new Date(Date.parse(manifest.createdAt) - REPUBLISH_MARGIN_MS);
    for (const service of ['users', 'tasks', 'accounting']) {
      const sql = postgres(options.databases[service]!, { max: 1, onnotice: () => {} });
      try {
        log(`${service}: ${await republishOutboxSince(sql, since)} outbox events to publish again`);
      } finally {
        await sql.end();
      }
    }
  } else {
    if (services.includes('tasks')) await rollForwardTracker(options, manifest);
    if (services.includes('accounting')) await rollForward(options, manifest);
  }
  for (const service of services) {
    for (const consumer of TARGETS[service]!.consumers) {
      const stream = streamName(namespace, consumer.domain);
      const floor =
        manifest.consumers.find((c) => c.stream === stream && c.name === consumer.name)?.ackFloor ?? 0;
      // A consumer made after the backup has nothing in the restored database: it replays all.
      const startSeq = options.streams ? 1 : floor + 1;
      if (await resetConsumerTo(options.nats, { stream, name: consumer.name, startSeq }))
        log(`${service}: consumer ${consumer.name} on ${stream} resumes at event ${startSeq}`);
    }
  }
  return manifest;
}

/** The restored inbox must belong to consumers this restore repositions (the list is kept true). */
async function checkInbox(service: string, url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ consumer: string }[]>`select distinct consumer from inbox`.catch(() => []);
    const known = new Set([
      ...TARGETS[service]!.consumers.map((c) => c.name),
      ...(INBOX_CONSUMERS[service] ?? []),
    ]);
    const unknown = rows.map((r) => r.consumer).filter((c) => !known.has(c));
    if (unknown.length > 0)
      throw new Error(
        `${service}'s inbox names consumers a restore does not reposition: ${unknown.join(', ')}`,
      );
  } finally {
    await sql.end();
  }
}

/** A stream's events after the backup's position, as the producer's outbox rows would hold them. */
async function ownTail(options: RestoreOptions, manifest: Manifest, domain: 'tasks' | 'accounting') {
  const namespace = manifest.namespace ?? undefined;
  const stream = streamName(namespace, domain);
  const from = (manifest.streams.find((s) => s.stream === stream)?.lastSeq ?? 0) + 1;
  const prefix = namespace ? `${namespace}.` : '';
  return (await readStreamTail(options.nats, stream, from)).map((m) => {
    const { 'Nats-Msg-Id': _id, ...headers } = m.headers;
    return { envelope: parse(m), subject: m.subject.slice(prefix.length), headers };
  });
}

/** The task tracker's own events after the backup, applied to its restored database. */
async function rollForwardTracker(options: RestoreOptions, manifest: Manifest): Promise<void> {
  const report = await rollForwardTaskTracker(
    options.databases.tasks!,
    await ownTail(options, manifest, 'tasks'),
  );
  options.log?.(
    `tasks: rolled forward ${report.applied} of its own events after the backup (${report.alreadyHeld} were in the backup already)`,
  );
}

const parse = (m: StoredMessage) => JSON.parse(Buffer.from(m.data).toString('utf8')) as AnyEventEnvelope;

/**
 * Accounting's own events after the backup, applied to its restored database; the task events
 * after its consumer's floor tell each fee's assignment number and each new task's title.
 */
async function rollForward(options: RestoreOptions, manifest: Manifest): Promise<void> {
  const namespace = manifest.namespace ?? undefined;
  const tasks = streamName(namespace, 'tasks');
  const floor =
    manifest.consumers.find((c) => c.stream === tasks && c.name === 'accounting-tasks')?.ackFloor ?? 0;
  const events: OwnEvent[] = await ownTail(options, manifest, 'accounting');
  const facts = new Map<string, TaskEventFact[]>();
  for (const m of await readStreamTail(options.nats, tasks, floor + 1)) {
    const event = parse(m);
    if (event.type === 'task.assigned') {
      // One fact per assignment: a shuffle's chunk (v2) is the cause of many fees.
      facts.set(
        event.id,
        assignmentsOf(event).map(({ taskId, title, jiraId, assignmentNo }) => ({
          taskId,
          title,
          jiraId,
          assignmentNo,
        })),
      );
      continue;
    }
    const data = event.data as { taskId?: string; title?: string; jiraId?: string | null };
    if (typeof data.taskId !== 'string') continue;
    facts.set(event.id, [{ taskId: data.taskId, title: data.title ?? '', jiraId: data.jiraId ?? null }]);
  }
  const report = await rollForwardAccounting(options.databases.accounting!, events, facts);
  options.log?.(
    `accounting: rolled forward ${report.applied} of its own events after the backup ` +
      `(${report.transactions} ledger rows; ${report.alreadyHeld} were in the backup already)`,
  );
}
