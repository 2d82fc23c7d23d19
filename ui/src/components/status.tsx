import type { CombinedError, OperationContext } from '@urql/core';
import type { ReactNode } from 'react';
import { describeError } from '../lib/errors.ts';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

interface ErrorNoticeProps {
  error: CombinedError | undefined;
  title?: string;
  onRetry?: () => void;
}

/** A failed query: the reason and a retry button; announced to screen readers. */
export function ErrorNotice({ error, title = 'Could not load this', onRetry }: ErrorNoticeProps) {
  const view = describeError(error);
  if (!view) return null;
  const messages = [...view.messages, ...Object.values(view.fields)];
  return (
    <div className="notice notice--error" role="alert">
      <div>
        <strong>{title}</strong>
        {messages.map((m) => (
          <p key={m}>{m}</p>
        ))}
      </div>
      {onRetry && (
        <button type="button" className="button button--secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

interface QueryStatusProps {
  /** What is loaded, as in "Loading your tasks…". */
  what: string;
  /** The query's state; `data` present means the page has something to show. */
  result: { data?: unknown; fetching: boolean; error?: CombinedError | undefined };
  refetch: (context: Partial<OperationContext>) => void;
}

/** A query's failure (with a retry past the cache) or its first load; nothing once data is shown. */
export function QueryStatus({ what, result, refetch }: QueryStatusProps) {
  if (result.data) return null;
  return (
    <>
      {result.error && (
        <ErrorNotice
          error={result.error}
          title={`Could not load ${what}`}
          onRetry={() => refetch({ requestPolicy: 'network-only' })}
        />
      )}
      {result.fetching && <Loading label={`Loading ${what}…`} />}
    </>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** Messages not tied to one field; rendered always so aria-live announces changes. */
export function FormMessages({ messages, id }: { messages: string[]; id?: string }) {
  return (
    <div id={id} className="form-messages" role="alert" aria-live="assertive">
      {messages.map((m) => (
        <p key={m} className="form-messages__item">
          {m}
        </p>
      ))}
    </div>
  );
}
