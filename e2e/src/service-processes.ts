import net from 'node:net';
import { createTestDatabase, createTestNamespace, testNatsUrl, type TestDatabase } from '@ates/testing';
import type { ServiceSpec } from '../../scripts/lib/services.ts';

/** A port free on 127.0.0.1 now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The env every service process of a test starts with: quiet, its own NATS namespace and data. */
export const testProcessEnv = (dataDir: string): NodeJS.ProcessEnv => ({
  ...process.env,
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  ATES_DATA_DIR: dataDir,
  NATS_URL: testNatsUrl(),
  ATES_NATS_NAMESPACE: createTestNamespace(),
});

/**
 * Gives each service a free port and a fresh test database (`<label>_<service>`) in `env`, and
 * with `addresses` tells its clients where it listens. The caller drops the databases.
 */
export async function placeServices(
  env: NodeJS.ProcessEnv,
  specs: readonly ServiceSpec[],
  label: string,
  options: { addresses?: boolean } = {},
): Promise<{ ports: Map<string, number>; databases: TestDatabase[] }> {
  const ports = new Map<string, number>();
  const databases: TestDatabase[] = [];
  for (const spec of specs) {
    if (spec.port) {
      const port = await freePort();
      env[spec.port.env] = String(port);
      ports.set(spec.name, port);
      if (options.addresses && spec.address)
        env[spec.address.env] = `http://127.0.0.1:${port}${spec.address.path}`;
    }
    if (spec.database) {
      const db = await createTestDatabase(`${label}_${spec.name}`);
      databases.push(db);
      env[spec.database.env] = db.url;
    }
  }
  return { ports, databases };
}
