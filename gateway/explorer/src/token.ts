/** The bearer token the operator pasted, kept in localStorage so a reload keeps it. */
const KEY = 'ates.explorer.token';

export function loadToken(): string {
  try {
    return window.localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token: string): void {
  try {
    if (token) window.localStorage.setItem(KEY, token);
    else window.localStorage.removeItem(KEY);
  } catch {
    // Storage may be disabled (private mode); the token then lives until the page is closed.
  }
}

/** Accepts a raw token or a pasted `Bearer …` header value. */
export function normalizeToken(input: string): string {
  return input.trim().replace(/^bearer\s+/i, '');
}

export interface TokenFacts {
  /** The user id (`sub`). */
  subject?: string;
  role?: string;
  /** Expiry in ms since the epoch. */
  expiresAt?: number;
}

/** What the token says about itself, for display only: the gateway is what verifies it. */
export function readToken(token: string): TokenFacts | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as Record<string, unknown>;
    const text = (key: string) => (typeof claims[key] === 'string' ? claims[key] : undefined);
    return {
      subject: text('sub'),
      role: text('role'),
      expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
    };
  } catch {
    return null;
  }
}

/** A token found in a result: any top-level field shaped like `AuthPayload { token }`. */
export function tokenInResult(result: unknown): string | null {
  if (typeof result !== 'object' || result === null || !('data' in result)) return null;
  const data = (result as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return null;
  for (const value of Object.values(data)) {
    if (typeof value === 'object' && value !== null && 'token' in value) {
      const token = (value as { token?: unknown }).token;
      if (typeof token === 'string' && token.length > 0) return token;
    }
  }
  return null;
}
