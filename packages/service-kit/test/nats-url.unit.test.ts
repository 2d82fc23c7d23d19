import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { natsAddress, natsServers } from '../src/addresses.ts';
import { EnvError, natsUrl, parseEnv } from '../src/env.ts';

describe('NATS_URL', () => {
  it('is one server or a cluster’s servers comma-separated, in the order given', () => {
    expect(natsServers('nats://127.0.0.1:4222')).toEqual(['nats://127.0.0.1:4222']);
    expect(natsServers('nats://a:4222,nats://b:4223,nats://c:4224')).toEqual([
      'nats://a:4222',
      'nats://b:4223',
      'nats://c:4224',
    ]);
    // Spaces around commas, a trailing comma, host:port without a scheme: what people type.
    expect(natsServers(' nats://a:4222 , b:4223,tls://c:4224, ')).toEqual([
      'nats://a:4222',
      'b:4223',
      'tls://c:4224',
    ]);
  });

  it('gives each server’s host and port, 4222 when none is given', () => {
    expect(natsAddress('nats://nats-2:4300')).toEqual({ host: 'nats-2', port: 4300 });
    expect(natsAddress('nats-3')).toEqual({ host: 'nats-3', port: 4222 });
    expect(natsAddress('nats://[::1]:4301')).toEqual({ host: '::1', port: 4301 });
    expect(natsAddress('nats://user:secret@a:4302')).toEqual({ host: 'a', port: 4302 });
  });

  it('refuses what the client could not connect to, naming the entry', () => {
    expect(() => natsServers('')).toThrow('no NATS server given');
    expect(() => natsServers(' , ')).toThrow('no NATS server given');
    expect(() => natsServers('nats://a:4222;nats://b:4222')).toThrow('"nats://a:4222;nats://b:4222"');
    expect(() => natsServers('nats://a:4222,http://b:4222')).toThrow('"http://b:4222" is not a NATS');
    expect(() => natsServers('nats://a:4222,nats://b:99999')).toThrow('"nats://b:99999"');
    expect(() => natsServers('nats://a:4222/path')).toThrow('"nats://a:4222/path"');
  });

  it('is checked where a service reads its environment, with the variable named', () => {
    const schema = z.object({ NATS_URL: natsUrl() });
    expect(parseEnv('test', schema, {}).NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(parseEnv('test', schema, { NATS_URL: 'nats://a:1,nats://b:2' }).NATS_URL).toBe(
      'nats://a:1,nats://b:2',
    );
    const error = (() => {
      try {
        parseEnv('test', schema, { NATS_URL: 'nats://a:1,,ftp://b' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).problems).toEqual([
      'NATS_URL: "ftp://b" is not a NATS server URL (nats://host:port)',
    ]);
  });
});
