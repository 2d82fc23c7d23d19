/**
 * The session: a short-lived access token and the refresh token that renews it, kept in
 * localStorage so they survive a reload and are shared by every tab (a log-out in one tab
 * signs the others out through the `storage` event). The access token is renewed silently a
 * minute before it expires, once for all tabs.
 */

const KEY = 'ates.session.token';
/** Renew this long before the access token expires (clock skew, a request in flight). */
const RENEW_BEFORE_MS = 60_000;

export interface SessionTokens {
  token: string;
  /** Absent for a bare token (tests, old sessions): it then lasts until it expires. */
  refreshToken?: string | null;
  /** ISO instant the access token expires. */
  expiresAt?: string | null;
}

/** Exchanges a refresh token for new tokens; null when the server refuses it (session over). */
export type RefreshExchange = (refreshToken: string) => Promise<SessionTokens | null>;

interface Stored extends SessionTokens {
  /** Set at sign-in, kept through refreshes: one GraphQL client per signed-in session. */
  since: string;
}

type Listener = () => void;
const listeners = new Set<Listener>();

function read(): Stored | null {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return null;
    // An older build stored the bare token.
    if (!raw.startsWith('{')) return { token: raw, since: 'legacy' };
    const value = JSON.parse(raw) as Partial<Stored>;
    return typeof value.token === 'string'
      ? { ...value, token: value.token, since: value.since ?? '' }
      : null;
  } catch {
    return null;
  }
}

function write(value: Stored | null): void {
  try {
    if (value) window.localStorage.setItem(KEY, JSON.stringify(value));
    else window.localStorage.removeItem(KEY);
  } catch {
    // Private mode may refuse storage: the session then lasts until the tab closes.
  }
}

let current: Stored | null = typeof window === 'undefined' ? null : read();
let renewing: Promise<boolean> | null = null;

function emit(): void {
  for (const listener of listeners) listener();
}

function set(value: Stored | null): void {
  current = value;
  write(value);
  emit();
}

/** Runs `task` while holding a lock shared by the tabs (rotation is single use). */
function acrossTabs<T>(task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  return locks ? (locks.request('ates.session.refresh', task) as Promise<T>) : task();
}

async function renew(exchange: RefreshExchange): Promise<boolean> {
  const used = current?.refreshToken;
  if (!used) return false;
  return acrossTabs(async () => {
    const stored = read();
    // Another tab renewed meanwhile: its tokens are ours too.
    if (stored?.refreshToken && stored.refreshToken !== used) {
      current = stored;
      emit();
      return true;
    }
    const next = await exchange(used);
    if (!next) return false;
    if (current?.refreshToken === used) set({ ...next, since: current.since });
    return true;
  });
}

export const session = {
  token(): string | null {
    return current?.token ?? null;
  },
  /** Changes at sign-in and sign-out only (not when the token is renewed). */
  key(): string | null {
    return current ? `${current.since}` : null;
  },
  signIn(tokens: SessionTokens | string): void {
    const value = typeof tokens === 'string' ? { token: tokens } : tokens;
    set({ ...value, since: `${Date.now()}` });
  },
  signOut(): void {
    if (current === null) return;
    set(null);
  },
  refreshToken(): string | null {
    return current?.refreshToken ?? null;
  },
  /**
   * The access token, renewed first when it expires within a minute. A refused renewal ends
   * the session (null); a network failure keeps the old token (the request will say why).
   */
  async freshToken(exchange: RefreshExchange): Promise<string | null> {
    const expiresAt = current?.expiresAt ? Date.parse(current.expiresAt) : Number.NaN;
    if (!current?.refreshToken || !(expiresAt - Date.now() < RENEW_BEFORE_MS)) return session.token();
    try {
      if (!(await session.renew(exchange))) session.signOut();
    } catch {
      // Offline or the server failed: try with the token we have.
    }
    return session.token();
  },
  /** Renews the tokens now; one renewal at a time per tab (and across tabs). False: refused. */
  renew(exchange: RefreshExchange): Promise<boolean> {
    renewing ??= renew(exchange).finally(() => (renewing = null));
    return renewing;
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== KEY) return;
    current = read();
    emit();
  });
}
