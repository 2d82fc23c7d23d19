/**
 * A logical dump of one service database through postgres.js: each table's rows as JSON lines
 * (`row_to_json`, read with a cursor, gzipped), loaded back with `jsonb_populate_recordset`, so
 * Postgres itself converts every value both ways. Not pg_dump: `pnpm start` may run an embedded
 * PostgreSQL 18 while the machine's client tools are 15, and pg_dump refuses a newer server; the
 * driver works against any server the services themselves talk to. Not postgres.js' COPY
 * streams: piped through gzip they stall now and then (porsager/postgres#499, #917; seen here).
 * A restore applies the code's migrations first, so a dump loads into the schema the code expects.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import postgres from 'postgres';
import { applyMigrations, dropDatabase, ensureDatabase, splitDatabaseUrl } from '@ates/service-kit';

/** Rows per cursor read and per insert. */
const BATCH = 1000;

export interface TableDump {
  table: string;
  columns: string[];
  rows: number;
  file: string;
}

export interface DatabaseDump {
  database: string;
  tables: TableDump[];
  /** Sequences' positions: set again after the load, so new rows never reuse a key. */
  sequences: { name: string; lastValue: number }[];
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const connect = (url: string) =>
  postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: 'ates-backup' } });

/**
 * Copies every table of the `public` schema into `dir`, all in one repeatable-read snapshot:
 * the files agree with each other as of one instant (a service may keep writing meanwhile).
 */
export async function dumpDatabase(url: string, dir: string): Promise<DatabaseDump> {
  fs.mkdirSync(dir, { recursive: true });
  const sql = connect(url);
  try {
    return await sql.begin('isolation level repeatable read read only', async (tx) => {
      const columns = await tx<{ table_name: string; column_name: string }[]>`
        select c.table_name, c.column_name from information_schema.columns c
        join information_schema.tables t using (table_schema, table_name)
        where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.is_generated = 'NEVER'
        order by c.table_name, c.ordinal_position`;
      const byTable = new Map<string, string[]>();
      for (const c of columns)
        byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name]);
      const tables: TableDump[] = [];
      for (const [table, cols] of byTable) {
        const file = `${table}.jsonl.gz`;
        const list = cols.map(quote).join(', ');
        const gzip = createGzip();
        const written = pipeline(gzip, fs.createWriteStream(path.join(dir, file)));
        let rows = 0;
        const cursor = tx
          .unsafe(`select row_to_json(r)::text as j from (select ${list} from ${quote(table)}) r`)
          .cursor(BATCH);
        for await (const batch of cursor as AsyncIterable<{ j: string }[]>) {
          rows += batch.length;
          if (!gzip.write(batch.map((r) => `${r.j}\n`).join(''))) await once(gzip, 'drain');
        }
        gzip.end();
        await written;
        tables.push({ table, columns: cols, rows, file });
      }
      const sequences = await tx<{ name: string; last_value: string | null }[]>`
        select sequencename as name, last_value from pg_sequences where schemaname = 'public'`;
      return {
        database: splitDatabaseUrl(url).database,
        tables,
        sequences: sequences
          .filter((s) => s.last_value !== null)
          .map((s) => ({ name: s.name, lastValue: Number(s.last_value) })),
      };
    });
  } finally {
    await sql.end();
  }
}

/** Other sessions on the database: a restore refuses while its service still runs. */
export async function otherSessions(url: string): Promise<string[]> {
  const { serverUrl, database } = splitDatabaseUrl(url);
  const sql = connect(serverUrl);
  try {
    const rows = await sql<{ application_name: string }[]>`
      select application_name from pg_stat_activity
      where datname = ${database} and pid <> pg_backend_pid()`;
    return rows.map((r) => r.application_name || 'unnamed');
  } finally {
    await sql.end();
  }
}

/**
 * Replaces the database with the dump: drops it, creates it, applies the code's migrations, and
 * loads every table in one transaction with triggers and foreign keys off for the load (the
 * rows were consistent when dumped; an append-only ledger's trigger would refuse nothing, but
 * the table order would matter). Columns the code no longer has are an error; new ones take
 * their defaults.
 */
export async function loadDatabase(
  url: string,
  dir: string,
  dump: DatabaseDump,
  migrationsFolder: string,
): Promise<void> {
  await dropDatabase(url);
  await ensureDatabase(url);
  await applyMigrations(url, migrationsFolder);
  const sql = connect(url);
  try {
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      for (const t of dump.tables) {
        const list = t.columns.map(quote).join(', ');
        const insert = (lines: string[]) =>
          tx.unsafe(
            `insert into ${quote(t.table)} (${list}) select ${list} from jsonb_populate_recordset(null::${quote(t.table)}, $1::text::jsonb)`,
            [`[${lines.join(',')}]`],
          );
        const input = fs.createReadStream(path.join(dir, t.file)).pipe(createGunzip());
        let lines: string[] = [];
        for await (const line of createInterface({ input, crlfDelay: Infinity })) {
          if (line === '') continue;
          lines.push(line);
          if (lines.length === BATCH) await insert(lines.splice(0));
        }
        if (lines.length > 0) await insert(lines);
        lines = [];
      }
      for (const s of dump.sequences)
        await tx`select setval(${`public.${quote(s.name)}`}::regclass, ${s.lastValue})`;
    });
  } finally {
    await sql.end();
  }
}
