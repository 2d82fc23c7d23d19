import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaVariables } from '../lib/config-docs.ts';
import { anyReachable, parseClusterPorts } from '../lib/infra.ts';
import { repoRoot } from '../lib/subgraphs.ts';

const CLUSTER = 'nats://127.0.0.1:4300, nats://127.0.0.1:4301,nats://127.0.0.1:4302';

/** The env loader exported by a module (load*Env), as scripts/lib/config-docs.ts finds it. */
async function loaderOf(file: string): Promise<(env: NodeJS.ProcessEnv) => { NATS_URL: string }> {
  const module = (await import(path.join(repoRoot, file))) as Record<string, unknown>;
  const name = Object.keys(module).find((k) => /^load\w*Env$/.test(k));
  if (!name) throw new Error(`${file} exports no load…Env`);
  return module[name] as (env: NodeJS.ProcessEnv) => { NATS_URL: string };
}

describe('a comma-separated NATS_URL', () => {
  it('is taken as it is by every service, worker and the events CLI, and a bad one is refused at start', async () => {
    const readers = (await schemaVariables()).get('NATS_URL') ?? [];
    // users, tasks, accounting, its payout worker, analytics, the email worker, the events CLI.
    expect(readers.length).toBeGreaterThanOrEqual(7);
    for (const file of readers) {
      const load = await loaderOf(file);
      expect(load({ NATS_URL: CLUSTER }).NATS_URL, file).toBe(CLUSTER);
      expect(() => load({ NATS_URL: 'nats://127.0.0.1:4300 nats://127.0.0.1:4301' }), file).toThrow(
        /NATS_URL: /,
      );
    }
  });
});

describe('ATES_NATS_CLUSTER_PORTS (pnpm start --cluster)', () => {
  it('lists client ports, each with its route port 2000 above or given after a colon', () => {
    expect(parseClusterPorts('4222,4223,4224')).toEqual([
      { client: 4222, route: 6222 },
      { client: 4223, route: 6223 },
      { client: 4224, route: 6224 },
    ]);
    expect(parseClusterPorts('4300:4310, 4301:4311 ,4302:4312')).toEqual([
      { client: 4300, route: 4310 },
      { client: 4301, route: 4311 },
      { client: 4302, route: 4312 },
    ]);
  });

  it('refuses fewer than three nodes, a port used twice and what is not a port', () => {
    expect(() => parseClusterPorts('4300,4301')).toThrow('needs 3');
    expect(() => parseClusterPorts('4300:4301,4301:4302,4302:4303')).toThrow('used twice');
    expect(() => parseClusterPorts('4300,43o1,4302')).toThrow('"43o1" is not a port');
    expect(() => parseClusterPorts('4300:1:2,4301,4302')).toThrow('"4300:1:2"');
    expect(() => parseClusterPorts('64000,64001,64002')).toThrow('above 65535');
  });
});

describe('whether a NATS cluster answers (pnpm start with NATS_URL set)', () => {
  let listener: net.Server;
  let live: number;
  const dead: number[] = [];
  beforeAll(async () => {
    // Ports of servers that were there and are gone, and one that answers.
    for (let i = 0; i < 2; i++) {
      const s = net.createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      dead.push((s.address() as net.AddressInfo).port);
      await new Promise<void>((r) => s.close(() => r()));
    }
    listener = net.createServer((socket) => socket.destroy());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    live = (listener.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => listener.close(() => r())));

  it('is true when any one of the servers listed accepts a connection, false when none does', async () => {
    expect(
      await anyReachable(`nats://127.0.0.1:${dead[0]},nats://127.0.0.1:${dead[1]},127.0.0.1:${live}`),
    ).toBe(true);
    expect(await anyReachable(`nats://127.0.0.1:${dead[0]}, nats://127.0.0.1:${dead[1]}`)).toBe(false);
    await expect(anyReachable('nats://127.0.0.1:4222;nats://127.0.0.1:4223')).rejects.toThrow(
      'is not a NATS server URL',
    );
  });
});
