import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { Provider as UrqlProvider } from 'urql';
import { createAtesClient, type LiveState } from '../lib/client.ts';
import { session } from '../lib/session.ts';

const LiveContext = createContext<LiveState>('idle');

let expiredNotice = false;

/** Signs out because the API refused the token; the log-in page says why until the next sign-in. */
export function expireSession(): void {
  if (session.token() === null) return;
  expiredNotice = true;
  session.signOut();
}

export function sessionExpired(): boolean {
  return expiredNotice;
}

session.subscribe(() => {
  if (session.token() !== null) expiredNotice = false;
});

export function useToken(): string | null {
  return useSyncExternalStore(session.subscribe, session.token, () => null);
}

export function useLiveState(): LiveState {
  return useContext(LiveContext);
}

/** Builds the GraphQL client for the session and rebuilds it at sign-in and sign-out (not renewal). */
export function ClientProvider({ children }: { children: ReactNode }) {
  const key = useSyncExternalStore(session.subscribe, session.key, () => null);
  const [live, setLive] = useState<LiveState>('idle');
  const ates = useMemo(
    () =>
      createAtesClient({ signedIn: key !== null, onUnauthenticated: expireSession, onLiveState: setLive }),
    [key],
  );
  // Disposing closes the socket normally, which sets the live state back to idle.
  useEffect(() => () => ates.dispose(), [ates]);
  return (
    <LiveContext.Provider value={live}>
      <UrqlProvider value={ates.client}>{children}</UrqlProvider>
    </LiveContext.Provider>
  );
}
