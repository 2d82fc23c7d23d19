import { describe, expect, it } from 'vitest';
import {
  clientAddress,
  signClientAddress,
  trustedProxies,
  verifyClientAddress,
} from '../src/client-address.ts';

describe('client address', () => {
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.5', '10.0.0.1', trustedProxies([]))).toBe('203.0.113.5');
  });

  it('walks X-Forwarded-For from the right only through trusted proxies', () => {
    const trust = trustedProxies(['10.0.0.0/8', 'loopback']);
    expect(clientAddress('10.0.0.2', '203.0.113.5', trust)).toBe('203.0.113.5');
    // The client wrote the leftmost entry itself: the first untrusted hop from the right wins.
    expect(clientAddress('10.0.0.2', '1.2.3.4, 203.0.113.5, 10.0.0.3', trust)).toBe('203.0.113.5');
    expect(clientAddress('127.0.0.1', undefined, trust)).toBe('127.0.0.1');
    expect(clientAddress('198.51.100.1', '1.2.3.4', trust)).toBe('198.51.100.1');
  });

  it('is believed from a subgraph header only when signed with the secret and recent', () => {
    const now = Date.now();
    const header = signClientAddress('s3cret', '203.0.113.5', now);
    expect(verifyClientAddress(header, 's3cret', now + 1000)).toBe('203.0.113.5');
    expect(verifyClientAddress(header, 'other', now)).toBeUndefined();
    expect(verifyClientAddress(header.replace('203.0.113.5', '203.0.113.6'), 's3cret', now)).toBeUndefined();
    expect(verifyClientAddress(header, 's3cret', now + 120_000)).toBeUndefined();
    expect(verifyClientAddress('garbage', 's3cret', now)).toBeUndefined();
  });
});
