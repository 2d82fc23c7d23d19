import { createLogger, epochMs } from '@ates/service-kit';
import { loadAnalyticsEnv } from '../env.ts';
import { rebuildReadModel } from './rebuild.ts';
import { renderProgress } from './progress.ts';

// `pnpm --filter @ates/analytics run rebuild`: drops analytics' read model and replays every event.
const env = loadAnalyticsEnv();
const logger = createLogger({
  service: 'analytics-rebuild',
  level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL,
});
const tty = process.stderr.isTTY;
let lastLine = 0;

try {
  const result = await rebuildReadModel({
    databaseUrl: env.ANALYTICS_DATABASE_URL,
    natsUrl: env.NATS_URL,
    namespace: env.ATES_NATS_NAMESPACE,
    timeZone: env.ATES_TIMEZONE,
    logger,
    onProgress: (progress) => {
      const line = renderProgress(progress);
      if (tty) process.stderr.write(`\r${line}\u001b[K`);
      else if (epochMs() - lastLine > 5000 || progress.done === progress.total) {
        // Not a terminal (CI, a log file): one line every few seconds.
        process.stderr.write(`${line}\n`);
        lastLine = epochMs();
      }
    },
  });
  if (tty) process.stderr.write('\n');
  process.stderr.write(
    `rebuilt the analytics read model from ${result.done.toLocaleString('en-US')} events in ${(result.elapsedMs / 1000).toFixed(1)} s\n`,
  );
} catch (error) {
  if (tty) process.stderr.write('\n');
  logger.fatal({ err: error }, 'rebuild failed');
  process.stderr.write(`rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
