import net from 'node:net';
import postgres from 'postgres';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { natsAddress, natsServers } from '@ates/service-kit';
import { TEST_DB_PREFIX, TEST_NS_PREFIX, shortId } from './names.ts';
import { testPostgresUrl, testNatsUrl } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testRunId: string;
  }
}

function reachable({ host, port }: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/** Sweeps what this run's test files left (a file that crashed before its own cleanup). */
async function sweep(runId: string): Promise<void> {
  const sql = postgres(testPostgresUrl(), { max: 1, onnotice: () => {} });
  try {
    const dbs = await sql<{ datname: string }[]>`
      select datname from pg_database where datname like ${`${TEST_DB_PREFIX}${runId}_%`}`;
    for (const { datname } of dbs) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  } finally {
    await sql.end();
  }
  const nc = await connect({ servers: natsServers(testNatsUrl()) });
  try {
    const jsm = await jetstreamManager(nc);
    const prefix = `${TEST_NS_PREFIX}${runId}`.toUpperCase();
    for await (const info of jsm.streams.list()) {
      if (info.config.name.startsWith(prefix)) await jsm.streams.delete(info.config.name);
    }
  } finally {
    await nc.close();
  }
}

export default async function setup({ provide }: { provide: (key: 'testRunId', value: string) => void }) {
  const problems: string[] = [];
  const pg = new URL(testPostgresUrl());
  if (!(await reachable({ host: pg.hostname, port: Number(pg.port || 5432) })))
    problems.push(`PostgreSQL is not reachable at ${testPostgresUrl()}`);
  const natsUp = await Promise.all(natsServers(testNatsUrl()).map((url) => reachable(natsAddress(url))));
  if (!natsUp.includes(true)) problems.push(`NATS is not reachable at ${testNatsUrl()}`);
  if (problems.length > 0) {
    throw new Error(
      `${problems.join('; ')}. Start them (see README → Running the tests) or set ATES_TEST_POSTGRES_URL / ATES_TEST_NATS_URL.`,
    );
  }
  const runId = shortId(3);
  provide('testRunId', runId);
  return async () => {
    await sweep(runId);
  };
}
