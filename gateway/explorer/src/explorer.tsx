import { GraphiQL } from 'graphiql';
import { useEffect, useMemo, useState } from 'react';
import { DEFAULT_TABS } from './default-tabs.ts';
import { createExplorerFetcher } from './fetcher.ts';
import { loadToken, normalizeToken, readToken, saveToken } from './token.ts';

function describe(token: string, now: number): string {
  if (!token) return 'no token: anonymous requests';
  const facts = readToken(token);
  if (!facts) return 'not a JWT: the gateway will refuse it';
  const parts = [facts.role ?? 'unknown role'];
  if (facts.expiresAt !== undefined)
    parts.push(
      facts.expiresAt <= now
        ? 'expired: log in again'
        : `expires ${new Date(facts.expiresAt).toLocaleTimeString()}`,
    );
  return parts.join(' · ');
}

export function Explorer() {
  const [token, setTokenState] = useState(loadToken);
  const [offered, setOffered] = useState<string | null>(null);
  const setToken = (value: string) => {
    const next = normalizeToken(value);
    saveToken(next);
    setTokenState(next);
    setOffered(null);
  };
  // A new token means a new fetcher: GraphiQL refetches the schema and the socket reconnects.
  const explorer = useMemo(() => createExplorerFetcher(token, setOffered), [token]);
  useEffect(() => () => explorer.dispose(), [explorer]);
  const expired = (readToken(token)?.expiresAt ?? Infinity) <= Date.now();

  return (
    <div className="ates-explorer">
      <header className="ates-bar">
        <strong className="ates-title">aTES explorer</strong>
        <form className="ates-token" onSubmit={(event) => event.preventDefault()}>
          <label htmlFor="ates-token">Token</label>
          <input
            id="ates-token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="paste a token (from the logIn mutation), or leave empty"
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        </form>
        {token && (
          <button type="button" className="ates-button" onClick={() => setToken('')}>
            Clear
          </button>
        )}
        {offered && (
          <button
            type="button"
            className="ates-button ates-primary"
            id="ates-use-token"
            onClick={() => setToken(offered)}
          >
            Use this token
          </button>
        )}
        <span className={expired ? 'ates-status ates-warning' : 'ates-status'} id="ates-token-status">
          {describe(token, Date.now())}
        </span>
      </header>
      <main className="ates-graphiql">
        <GraphiQL fetcher={explorer.fetcher} defaultTabs={DEFAULT_TABS} isHeadersEditorEnabled />
      </main>
    </div>
  );
}
