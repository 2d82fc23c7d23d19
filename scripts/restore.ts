/** `pnpm restore <folder> [--service name]`: puts services back to a backup; they catch up by themselves. */
import { connectNats } from '@ates/events';
import { parseCli, usageError } from '@ates/service-kit/cli';
import { recoveryConfig } from './lib/backup/config.ts';
import { RestoreRefused, restoreBackup } from './lib/backup/restore.ts';
import { TARGETS } from './lib/backup/targets.ts';

const config = recoveryConfig();
const { values: flags, positionals } = parseCli('pnpm restore', {
  usage: `Usage: pnpm restore <folder> [--service <name>]... [--streams]

Restores service databases from a backup made by \`pnpm backup\`. Stop the services restored
(and accounting's payout worker with accounting) first; the others keep running. Each restored
service catches up from the streams when started again: its durable consumers are moved back
to the position its restored inbox implies, and accounting first applies its own events that
followed the backup. Refused, with the reason and nothing changed, when a stream no longer
reaches back to the backup (its horizon), or a restored service still runs.

Options:
  --service <name>  only this service (repeatable): ${Object.keys(TARGETS).join(', ')};
                    default every one but the payment sandbox (a stand-in for the bank)
  --streams         the JetStream store was lost: publish the backup's stream copies into the
                    empty streams and restore every service (docs/operations.md#backup-and-restore)
  -h, --help        this text`,
  allowPositionals: true,
  options: { service: { type: 'string', multiple: true }, streams: { type: 'boolean', default: false } },
});

const [folder, extra] = positionals;
if (!folder) usageError('pnpm restore', 'missing <folder>');
if (extra) usageError('pnpm restore', `unexpected argument '${extra}'`);
const chosen = flags.service ?? Object.keys(TARGETS).filter((s) => TARGETS[s]!.byDefault);
for (const name of chosen) if (!TARGETS[name]) usageError('pnpm restore', `unknown service '${name}'`);

try {
  const nats = await connectNats(config.natsUrl, { name: 'ates-restore' });
  try {
    await restoreBackup({
      folder,
      databases: Object.fromEntries(chosen.map((s) => [s, config.databases[s]!])),
      migrations: config.migrations,
      nats,
      streams: flags.streams,
      log: (line) => console.log(line),
    });
    console.log(
      `restored ${chosen.join(', ')} from ${folder}: start them again, then verify (docs/operations.md)`,
    );
  } finally {
    await nats.close();
  }
} catch (error) {
  if (error instanceof RestoreRefused) {
    console.error('pnpm restore: refused, nothing was changed:');
    for (const reason of error.reasons) console.error(`  - ${reason}`);
  } else console.error(`pnpm restore: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
