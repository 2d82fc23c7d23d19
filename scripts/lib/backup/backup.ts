import fs from 'node:fs';
import path from 'node:path';
import {
  type connectNats,
  copyStream,
  recordPositions,
  streamName,
  type ConsumerPosition,
  type StreamPosition,
} from '@ates/events';
import { dumpDatabase, type DatabaseDump } from './database.ts';

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export const MANIFEST = 'manifest.json';

/** What a backup folder holds; written last, so a folder without it is an unfinished backup. */
export interface Manifest {
  format: 1;
  /** When the stream positions were read: the backup's instant. */
  createdAt: string;
  namespace: string | null;
  streams: StreamPosition[];
  consumers: ConsumerPosition[];
  databases: Record<string, DatabaseDump & { dir: string }>;
  /** Gzipped JSON lines, one message each, through the position read (see copyStream). */
  streamCopies: { stream: string; file: string; messages: number }[];
}

export interface BackupOptions {
  /** The folder the dated backup folder goes into. */
  root: string;
  /** Each service's database. */
  databases: Record<string, string>;
  nats: NatsConnection;
  namespace?: string;
  now: Date;
  log?: (line: string) => void;
}

const folderName = (at: Date) =>
  `ates-${at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '')}`;

/**
 * `pnpm backup`: the streams' positions and the durable consumers' ack floors first, then every
 * database (each in one snapshot), then each domain stream copied through the position read.
 * A consumer acks after its commit, so every database holds at least what its consumers' floors
 * say; what a database holds beyond them its inbox skips on the replay after a restore.
 */
export async function takeBackup(options: BackupOptions): Promise<{ folder: string; manifest: Manifest }> {
  const log = options.log ?? (() => {});
  const folder = path.join(options.root, folderName(options.now));
  if (fs.existsSync(folder)) throw new Error(`${folder} exists already`);
  fs.mkdirSync(folder, { recursive: true });
  const positions = await recordPositions(options.nats, options.namespace);
  const databases: Manifest['databases'] = {};
  for (const [service, url] of Object.entries(options.databases)) {
    const dump = await dumpDatabase(url, path.join(folder, service));
    databases[service] = { ...dump, dir: service };
    const rows = dump.tables.reduce((n, t) => n + t.rows, 0);
    log(`${service}: ${dump.database}, ${dump.tables.length} tables, ${rows} rows`);
  }
  const streamCopies: Manifest['streamCopies'] = [];
  const jobs = streamName(options.namespace, 'jobs');
  fs.mkdirSync(path.join(folder, 'streams'));
  for (const position of positions.streams) {
    // The work queue holds only jobs not yet taken, and an extra reader would compete for them.
    if (position.stream === jobs) continue;
    const file = path.join('streams', `${position.stream}.jsonl.gz`);
    const messages = await copyStream(
      options.nats,
      position.stream,
      position.lastSeq,
      path.join(folder, file),
    );
    streamCopies.push({ stream: position.stream, file, messages });
    log(`stream ${position.stream}: ${messages} messages through ${position.lastSeq}`);
  }
  const manifest: Manifest = {
    format: 1,
    createdAt: options.now.toISOString(),
    namespace: options.namespace ?? null,
    ...positions,
    databases,
    streamCopies,
  };
  fs.writeFileSync(path.join(folder, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { folder, manifest };
}

export function readManifest(folder: string): Manifest {
  const file = path.join(folder, MANIFEST);
  if (!fs.existsSync(file))
    throw new Error(`${folder} has no ${MANIFEST}: not a backup, or an unfinished one`);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  if (manifest.format !== 1) throw new Error(`${file}: unknown backup format ${String(manifest.format)}`);
  return manifest;
}
