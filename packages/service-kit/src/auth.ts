import { epochMs } from './clock.ts';
import fs from 'node:fs';
import { SignJWT, importPKCS8, importSPKI, jwtVerify, errors as joseErrors, type CryptoKey } from 'jose';
import { unauthenticated } from './errors.ts';
import { isUuid } from './db/postgres.ts';
import { ensureDevKeys } from './dev-keys.ts';

export const ROLES = ['ADMIN', 'MANAGER', 'ACCOUNTANT', 'WORKER'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who is calling, as proven by a verified token. */
export interface Viewer {
  userId: string;
  role: Role;
  /** When the token proving it expires (long-lived connections close then). */
  expiresAt?: Date;
  /**
   * The user's token generation when the token was issued (`gen` claim, 0 if absent). A role
   * change, a deactivation or a password change starts a new generation: older tokens die.
   */
  generation?: number;
}

/**
 * The longest an access token may live (`exp - iat`). Verifiers refuse longer ones, so a
 * revocation they learn needs to be remembered only this long (plus clock skew).
 */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Clock skew between the issuer and the verifiers that revocations allow for. */
const REVOCATION_SKEW_MS = 60_000;

/** The socket close code and reason of a graphql-ws connection whose token was revoked. */
export const TOKEN_REVOKED_CLOSE = { code: 4403, reason: 'Token revoked: log in again' } as const;

/** A user's tokens older than `generation` are dead since `at` (the users service's event). */
export interface TokenRevocation {
  userId: string;
  generation: number;
  at: Date;
}

const ALG = 'ES256';
const ISSUER = 'ates';
const AUDIENCE = 'ates';

/** A key setting is either PEM text or a path to a PEM file. */
export function readPem(value: string): string {
  return value.includes('-----BEGIN') ? value : fs.readFileSync(value, 'utf8');
}

/** How many verified tokens a verifier remembers (the oldest is forgotten first). */
const VERIFIED_TOKENS_KEPT = 10_000;

export class TokenVerifier {
  /**
   * Tokens that passed verification, by their exact text. A client sends the same token with
   * every request, and the gateway and each subgraph it reaches verify it: an ECDSA check
   * per process per request otherwise. A remembered token is still refused once it expires
   * or its generation is revoked.
   */
  private readonly verified = new Map<string, Viewer>();
  /**
   * Per user, the first generation still valid and until when that matters (a revocation's
   * time plus the longest token life): bounded by the revocations of the last ~16 minutes.
   */
  private readonly revoked = new Map<string, { generation: number; until: number }>();
  private readonly revocationListeners = new Set<(revocation: TokenRevocation) => void>();

  private constructor(private readonly key: CryptoKey) {}

  static async fromPem(publicKeyPem: string): Promise<TokenVerifier> {
    return new TokenVerifier(await importSPKI(publicKeyPem, ALG));
  }

  /**
   * Verifies signature, algorithm, issuer, audience, expiry, the claims (`exp`, `iat`, a UUID
   * `sub`, a known `role`; a lifetime of at most 15 min) and revocation; anything wrong is
   * UNAUTHENTICATED, never an internal error.
   */
  async verify(token: string): Promise<Viewer> {
    const known = this.verified.get(token);
    // Same rule as the full check: valid while now < exp (the expired case goes through it).
    if (known && (known.expiresAt === undefined || epochMs() < known.expiresAt.getTime())) {
      this.refuseRevoked(known);
      return { ...known };
    }
    if (known) this.verified.delete(token);
    const viewer = await this.verifySignedToken(token);
    this.refuseRevoked(viewer);
    if (this.verified.size >= VERIFIED_TOKENS_KEPT) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, viewer);
    return { ...viewer };
  }

  /** True when a revocation learnt since makes this viewer's token dead. */
  isRevoked(viewer: Viewer): boolean {
    const entry = this.revoked.get(viewer.userId);
    return entry !== undefined && epochMs() < entry.until && (viewer.generation ?? 0) < entry.generation;
  }

  /**
   * Learns that the user's tokens before `generation` are dead (idempotent; an older
   * generation than one already known changes nothing) and tells the listeners, which close
   * that user's live connections.
   */
  revoke(revocation: TokenRevocation): void {
    const now = epochMs();
    const until = revocation.at.getTime() + MAX_ACCESS_TOKEN_TTL_SECONDS * 1000 + REVOCATION_SKEW_MS;
    if (until <= now) return;
    const known = this.revoked.get(revocation.userId);
    if (!known || known.generation < revocation.generation) {
      // Re-inserted at the end: the map stays ordered by `until`, so pruning reads from the front.
      this.revoked.delete(revocation.userId);
      this.revoked.set(revocation.userId, { generation: revocation.generation, until });
    }
    for (const [userId, entry] of this.revoked) {
      if (entry.until > now) break;
      this.revoked.delete(userId);
    }
    for (const listener of this.revocationListeners) listener(revocation);
  }

  /** Calls `listener` for each revocation learnt, until the returned function is called. */
  onRevoked(listener: (revocation: TokenRevocation) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  private refuseRevoked(viewer: Viewer): void {
    if (this.isRevoked(viewer)) throw unauthenticated('Token revoked: log in again');
  }

  private async verifySignedToken(token: string): Promise<Viewer> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALG],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      const { sub, role, exp, iat, gen } = payload;
      if (typeof sub !== 'string' || !isUuid(sub) || !isRole(role))
        throw unauthenticated('Invalid token claims');
      if (typeof exp !== 'number' || typeof iat !== 'number' || exp - iat > MAX_ACCESS_TOKEN_TTL_SECONDS)
        throw unauthenticated('Invalid token lifetime');
      if (gen !== undefined && !(Number.isSafeInteger(gen) && (gen as number) >= 0))
        throw unauthenticated('Invalid token claims');
      return {
        userId: sub,
        role,
        expiresAt: new Date(exp * 1000),
        ...(gen === undefined ? {} : { generation: gen as number }),
      };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('Token expired: log in again');
      if (error instanceof joseErrors.JOSEError) throw unauthenticated('Invalid token');
      throw error;
    }
  }

  /**
   * Reads `Authorization: Bearer <token>`. No header → anonymous (null); a header that is not a
   * valid token → UNAUTHENTICATED, so a client with a stale token learns it at once.
   */
  async viewerFromHeader(header: string | undefined | null): Promise<Viewer | null> {
    if (header === undefined || header === null || header.trim() === '') return null;
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match?.[1]) throw unauthenticated('Malformed Authorization header: expected "Bearer <token>"');
    return this.verify(match[1]);
  }
}

export class TokenSigner {
  private constructor(
    private readonly key: CryptoKey,
    private readonly ttl: number,
  ) {}

  static async fromPem(privateKeyPem: string, ttlSeconds: number): Promise<TokenSigner> {
    if (ttlSeconds > MAX_ACCESS_TOKEN_TTL_SECONDS)
      throw new Error(`access tokens live at most ${MAX_ACCESS_TOKEN_TTL_SECONDS} s`);
    return new TokenSigner(await importPKCS8(privateKeyPem, ALG), ttlSeconds);
  }

  get ttlSeconds(): number {
    return this.ttl;
  }

  async sign(viewer: Viewer, now: Date): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({ role: viewer.role, gen: viewer.generation ?? 0 })
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setSubject(viewer.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttl)
      .sign(this.key);
  }
}

/**
 * Resolves the token keys from settings (PEM text or file paths). In development, missing
 * settings fall back to a key pair generated once under `<dataDir>/keys`; production must
 * configure them (its env validation refuses to start otherwise).
 */
export function resolveJwtKeys(settings: {
  privateKey?: string | undefined;
  publicKey?: string | undefined;
  dataDir: string;
}): { publicKeyPem: string; privateKeyPem: string | undefined } {
  if (settings.publicKey) {
    return {
      publicKeyPem: readPem(settings.publicKey),
      privateKeyPem: settings.privateKey ? readPem(settings.privateKey) : undefined,
    };
  }
  const files = ensureDevKeys(settings.dataDir);
  return {
    publicKeyPem: fs.readFileSync(files.publicKeyPath, 'utf8'),
    privateKeyPem: settings.privateKey
      ? readPem(settings.privateKey)
      : fs.readFileSync(files.privateKeyPath, 'utf8'),
  };
}
