import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';

export interface TestKeys {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A fresh ES256 key pair per test file: nothing is shared with development keys. */
export function generateTestKeys(): TestKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** Signs arbitrary claims, for tests of expired, forged or malformed tokens. */
export async function signRawToken(
  privateKeyPem: string,
  claims: Record<string, unknown>,
  /** `null` leaves the claim out (tests of tokens without `iat` or `exp`). */
  options: {
    issuedAt: number | null;
    expiresAt: number | null;
    issuer?: string;
    audience?: string;
    subject?: string;
  },
): Promise<string> {
  const key = await importPKCS8(privateKeyPem, 'ES256');
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer(options.issuer ?? 'ates')
    .setAudience(options.audience ?? 'ates');
  if (options.issuedAt !== null) jwt = jwt.setIssuedAt(options.issuedAt);
  if (options.expiresAt !== null) jwt = jwt.setExpirationTime(options.expiresAt);
  if (options.subject) jwt = jwt.setSubject(options.subject);
  return jwt.sign(key);
}
