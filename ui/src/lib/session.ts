/**
 * The session is the bearer token, kept in localStorage so it survives a reload and shared by
 * every tab (a log-out in one tab signs the others out through the `storage` event).
 */

const KEY = 'ates.session.token';

type Listener = () => void;
const listeners = new Set<Listener>();

function read(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

let current: string | null = typeof window === 'undefined' ? null : read();

function emit(): void {
  for (const listener of listeners) listener();
}

export const session = {
  token(): string | null {
    return current;
  },
  signIn(token: string): void {
    current = token;
    try {
      window.localStorage.setItem(KEY, token);
    } catch {
      // Private mode may refuse storage: the session then lasts until the tab closes.
    }
    emit();
  },
  signOut(): void {
    if (current === null) return;
    current = null;
    try {
      window.localStorage.removeItem(KEY);
    } catch {
      // Nothing stored, nothing to remove.
    }
    emit();
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
