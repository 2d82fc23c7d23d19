import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { TOKEN_REVOKED_CLOSE, TokenSigner, TokenVerifier, type TokenRevocation } from '../src/auth.ts';
import { DomainError } from '../src/errors.ts';

function keyPair() {
  return generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};

/** A token with exactly these claims (issuer and audience right), signed with `privateKey`. */
async function rawToken(privateKey: string, claims: Record<string, unknown>) {
  return new SignJWT({ iss: 'ates', aud: 'ates', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .sign(await importPKCS8(privateKey, 'ES256'));
}

describe('TokenVerifier', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a token it verified before the same way, and refuses it once it expires', async () => {
    const { publicKey, privateKey } = keyPair();
    const signer = await TokenSigner.fromPem(privateKey, 60);
    const verifier = await TokenVerifier.fromPem(publicKey);
    const now = new Date();
    const userId = randomUUID();
    const token = await signer.sign({ userId, role: 'WORKER' }, now);

    const first = await verifier.verify(token);
    const again = await verifier.verify(token);
    expect(again).toEqual(first);
    expect(again).toMatchObject({ userId, role: 'WORKER', generation: 0 });
    // Callers get their own object: changing one answer cannot change the next.
    again.role = 'ADMIN';
    expect((await verifier.verify(token)).role).toBe('WORKER');

    vi.useFakeTimers({ now: first.expiresAt!.getTime() });
    expect(await codeOf(verifier.verify(token))).toBe('UNAUTHENTICATED');
  });

  it('still refuses a token signed by another key, every time', async () => {
    const verifier = await TokenVerifier.fromPem(keyPair().publicKey);
    const forged = await (
      await TokenSigner.fromPem(keyPair().privateKey, 60)
    ).sign({ userId: randomUUID(), role: 'ADMIN' }, new Date());
    expect(await codeOf(verifier.verify(forged))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verifier.verify(forged))).toBe('UNAUTHENTICATED');
  });

  it('requires exp, iat, a UUID sub, a known role and a life of at most 15 minutes', async () => {
    const { publicKey, privateKey } = keyPair();
    const verifier = await TokenVerifier.fromPem(publicKey);
    const now = Math.floor(Date.now() / 1000);
    const good = { sub: randomUUID(), role: 'WORKER', iat: now, exp: now + 600 };
    expect(await codeOf(verifier.verify(await rawToken(privateKey, good)))).toBe('resolved');
    const bad: Array<Record<string, unknown>> = [
      { ...good, exp: undefined },
      { ...good, iat: undefined },
      { ...good, sub: undefined },
      { ...good, sub: 'not-a-uuid' },
      { ...good, sub: 42 },
      { ...good, role: 'OVERLORD' },
      { ...good, role: undefined },
      { ...good, exp: now + 901 },
      { ...good, exp: 'tomorrow' },
      { ...good, gen: -1 },
      { ...good, gen: 'one' },
    ];
    for (const claims of bad)
      expect(await codeOf(verifier.verify(await rawToken(privateKey, claims))), JSON.stringify(claims)).toBe(
        'UNAUTHENTICATED',
      );
  });

  it('refuses tokens of a revoked generation, remembered ones too, and tells its listeners', async () => {
    const { publicKey, privateKey } = keyPair();
    const signer = await TokenSigner.fromPem(privateKey, 600);
    const verifier = await TokenVerifier.fromPem(publicKey);
    const userId = randomUUID();
    const old = await signer.sign({ userId, role: 'ADMIN', generation: 3 }, new Date());
    const other = await signer.sign({ userId: randomUUID(), role: 'ADMIN', generation: 3 }, new Date());
    await verifier.verify(old);
    const heard: TokenRevocation[] = [];
    const stop = verifier.onRevoked((r) => heard.push(r));

    verifier.revoke({ userId, generation: 4, at: new Date() });
    expect(await codeOf(verifier.verify(old))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verifier.verify(other))).toBe('resolved');
    const fresh = await signer.sign({ userId, role: 'WORKER', generation: 4 }, new Date());
    expect(await verifier.verify(fresh)).toMatchObject({ role: 'WORKER', generation: 4 });
    // An older revocation arriving late (a replay) revives nothing.
    verifier.revoke({ userId, generation: 2, at: new Date() });
    expect(await codeOf(verifier.verify(old))).toBe('UNAUTHENTICATED');
    expect(heard.map((r) => r.generation)).toEqual([4, 2]);
    stop();
    verifier.revoke({ userId, generation: 5, at: new Date() });
    expect(heard).toHaveLength(2);
    expect(TOKEN_REVOKED_CLOSE.code).toBe(4403);
  });

  it('forgets a revocation once every token it killed has expired', async () => {
    const { publicKey, privateKey } = keyPair();
    const verifier = await TokenVerifier.fromPem(publicKey);
    const userId = randomUUID();
    const longAgo = new Date(Date.now() - 17 * 60_000);
    verifier.revoke({ userId, generation: 1, at: longAgo });
    expect(verifier.isRevoked({ userId, role: 'WORKER', generation: 0 })).toBe(false);
    const signer = await TokenSigner.fromPem(privateKey, 900);
    await expect(TokenSigner.fromPem(privateKey, 901)).rejects.toThrow(/at most 900/);
    expect(await codeOf(verifier.verify(await signer.sign({ userId, role: 'WORKER' }, new Date())))).toBe(
      'resolved',
    );
  });
});
