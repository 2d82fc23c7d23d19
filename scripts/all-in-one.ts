/**
 * Several services in one Node process, `pnpm start`'s default (`dist/all-in-one.js` in the
 * build): `node all-in-one.js <entry>… [--then <entry>…]…`, the entries before a `--then`
 * started together, the next ones once they have. Each service keeps its own port, database,
 * consumers and migrations (its `main.ts` runs as it would alone); they share the process and
 * its event loop: one failing to start or throwing uncaught ends it, for the supervisor to
 * restart, and a signal stops them all, the last started first.
 */
import { pathToFileURL } from 'node:url';
import { createLogger, hostServices } from '@ates/service-kit';

const waves: string[][] = [[]];
for (const arg of process.argv.slice(2)) {
  if (arg === '--then') waves.push([]);
  else waves.at(-1)!.push(arg);
}
if (waves.some((wave) => wave.length === 0)) {
  console.error('usage: all-in-one <entry>… [--then <entry>…]…');
  process.exit(2);
}
hostServices(createLogger({ service: 'all-in-one', level: process.env.LOG_LEVEL ?? 'info' }));
for (const wave of waves) await Promise.all(wave.map((entry) => import(pathToFileURL(entry).href)));
