/** `pnpm backup`: every service database and the domain streams into a dated folder. */
import { connectNats } from '@ates/events';
import { parseCli } from '@ates/service-kit/cli';
import { takeBackup } from './lib/backup/backup.ts';
import { recoveryConfig } from './lib/backup/config.ts';

const config = recoveryConfig();
const { values: flags } = parseCli('pnpm backup', {
  usage: `Usage: pnpm backup [--dir <folder>]

Backs up aTES into a new dated folder <folder>/ates-<UTC time>/: the position of every
JetStream stream and durable consumer, then every service database (a consistent COPY of
each table, gzipped), then a copy of each domain stream through the recorded position.
The services keep running. Restore with \`pnpm restore <folder>\` (docs/operations.md#backup-and-restore).

Databases as \`pnpm start\` names them (ATES_POSTGRES_URL, or a service's <SERVICE>_DATABASE_URL);
NATS_URL and ATES_NATS_NAMESPACE as the services read them.

Options:
  --dir <folder>  where the dated folder goes (default ${config.backupRoot})
  -h, --help      this text`,
  options: { dir: { type: 'string' } },
});

try {
  const nats = await connectNats(config.natsUrl, { name: 'ates-backup' });
  try {
    const { folder } = await takeBackup({
      root: flags.dir ?? config.backupRoot,
      databases: config.databases,
      nats,
      namespace: config.namespace,
      now: new Date(),
      log: (line) => console.log(line),
    });
    console.log(`backup written to ${folder}`);
  } finally {
    await nats.close();
  }
} catch (error) {
  console.error(`pnpm backup: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
