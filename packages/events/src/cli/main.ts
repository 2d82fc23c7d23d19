/**
 * Operator commands for events: `pnpm events <command>` (see usage.ts). Exits non-zero on
 * failure with the reason on stderr.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connectDatabase } from '@ates/service-kit';
import { parseCli, usageError } from '@ates/service-kit/cli';
import { resetConsumer } from '../consumer/reset.ts';
import { getDeadLetter, listDeadLetters, replayDeadLetter } from '../dead-letters/operations.ts';
import { connectNats } from '../nats/connect.ts';
import { parseRetention } from '../nats/retention.ts';
import { ensureStreams } from '../nats/streams.ts';
import { countUnpublished, republishOutboxSince } from '../outbox/maintenance.ts';
import { checkLock, updateLock } from '../registry/lock.ts';
import { defaultSchemaDir } from '../registry/schema-dir.ts';
import type { DeadLetterStatus } from '../tables.ts';
import { loadCliEnv } from './env.ts';
import { USAGE } from './usage.ts';

const { values: flags, positionals } = parseCli('pnpm events', {
  usage: USAGE,
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    nats: { type: 'string' },
    namespace: { type: 'string' },
    consumer: { type: 'string' },
    status: { type: 'string' },
    limit: { type: 'string' },
    stream: { type: 'string' },
    since: { type: 'string' },
    replicas: { type: 'string' },
    retention: { type: 'string' },
    check: { type: 'boolean' },
  },
});
const env = loadCliEnv();

class UsageError extends Error {}

function required(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

const idArg = (value: string | undefined) => {
  const id = Number(required(value, '<id>'));
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`not a dead-letter id: ${value}`);
  return id;
};

async function withDb<T>(run: (db: ReturnType<typeof connectDatabase<Record<string, never>>>) => Promise<T>) {
  const database = connectDatabase(
    required(flags.db ?? env.ATES_EVENTS_DATABASE_URL, '--db <url>'),
    {},
    { max: 2 },
  );
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}

async function withNats<T>(run: (nats: Awaited<ReturnType<typeof connectNats>>) => Promise<T>) {
  const nats = await connectNats(flags.nats ?? env.NATS_URL, { name: 'ates-events-cli' });
  try {
    return await run(nats);
  } finally {
    await nats.close();
  }
}

function lock(): number {
  const report = flags.check ? { ...checkLock(defaultSchemaDir), added: [] } : updateLock(defaultSchemaDir);
  for (const file of report.added) console.log(`locked   ${file}`);
  if (flags.check) for (const file of report.unlocked) console.log(`unlocked ${file}`);
  for (const file of report.changed)
    console.error(`CHANGED  ${file}: released schemas are immutable; add a new version`);
  for (const file of report.missing) console.error(`MISSING  ${file}: released schemas may not be removed`);
  return report.changed.length + report.missing.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const [group, command, arg] = positionals;
  if (!group) return (console.log(USAGE), 0);
  switch (`${group} ${command ?? ''}`.trim()) {
    case 'lock':
      return lock();
    case 'streams ensure':
      return withNats(async (nats) => {
        const replicas = flags.replicas === undefined ? undefined : Number(flags.replicas);
        if (replicas !== undefined && !(Number.isInteger(replicas) && replicas >= 1 && replicas <= 5))
          throw new UsageError(`--replicas must be 1 to 5, not ${flags.replicas}`);
        const text = flags.retention ?? env.ATES_STREAM_RETENTION;
        let limits;
        try {
          limits = text === undefined ? undefined : parseRetention(text);
        } catch (error) {
          throw new UsageError(error instanceof Error ? error.message : String(error));
        }
        const jsm = await jetstreamManager(nats);
        for (const info of await ensureStreams(jsm, flags.namespace, { replicas, retention: limits })) {
          const { name, subjects, retention, num_replicas, max_age, max_bytes } = info.config;
          const size = max_bytes > 0 ? `max ${(max_bytes / 1024 ** 3).toFixed(1)} GiB` : 'no size limit';
          const horizon = `max age ${max_age / 3.6e12}h, ${size}`;
          console.log(`${name}: ${subjects.join(', ')} (${retention}, R${num_replicas}, ${horizon})`);
        }
        return 0;
      });
    case 'dead-letters list':
      return withDb(async ({ db }) => {
        const rows = await listDeadLetters(db, {
          consumer: flags.consumer,
          status: flags.status as DeadLetterStatus | undefined,
          limit: flags.limit ? Number(flags.limit) : undefined,
        });
        for (const r of rows) {
          const what = r.type ? `${r.type} v${r.version} ${r.eventId}` : r.subject;
          console.log(
            `${r.id}\t${r.status}\t${r.consumer}\t${what}\t${r.createdAt.toISOString()}\t${r.reason}`,
          );
        }
        if (rows.length === 0) console.log('no dead letters');
        return 0;
      });
    case 'dead-letters show':
      return withDb(async ({ db }) => {
        const row = await getDeadLetter(db, idArg(arg));
        if (!row) throw new Error(`dead letter ${arg} not found`);
        let payload: unknown = row.payload;
        try {
          payload = JSON.parse(row.payload);
        } catch (error) {
          // Shown as the raw text it is (that may be why it is dead); note why.
          console.error(`payload is not JSON (${(error as Error).message})`);
        }
        console.log(JSON.stringify({ ...row, payload }, null, 2));
        return 0;
      });
    case 'dead-letters replay':
      return withDb(({ db }) =>
        withNats(async (nats) => {
          const row = await replayDeadLetter(db, nats, idArg(arg));
          console.log(`replayed dead letter ${row.id} to ${row.subject}`);
          return 0;
        }),
      );
    case 'consumer reset':
      return withNats(async (nats) => {
        const stream = required(flags.stream, '--stream <STREAM>');
        const name = required(arg, '<consumer name>');
        const jsm = await jetstreamManager(nats);
        const run = async (sql?: Parameters<typeof resetConsumer>[1]['sql']) => {
          const info = await resetConsumer(jsm, { stream, name, sql });
          console.log(`consumer ${name} on ${stream} reset: ${info.num_pending} messages to replay`);
          console.log(sql ? 'inbox cleared' : 'inbox kept: events already applied will be skipped');
          return 0;
        };
        return flags.db ? withDb(({ sql }) => run(sql)) : run();
      });
    case 'outbox status':
      return withDb(async ({ sql }) => (console.log(`${await countUnpublished(sql)} unpublished`), 0));
    case 'outbox republish':
      return withDb(async ({ sql }) => {
        const since = new Date(required(flags.since, '--since <iso>'));
        if (Number.isNaN(since.getTime())) throw new UsageError(`not a date: ${flags.since}`);
        console.log(`${await republishOutboxSince(sql, since)} events queued for republishing`);
        return 0;
      });
    default:
      throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) usageError('pnpm events', error.message);
    console.error(`pnpm events: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
