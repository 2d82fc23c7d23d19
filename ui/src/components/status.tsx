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
  /** Whether the page has something to show: then a failure or a reload shows nothing here. */
  loaded: boolean;
  fetching: boolean;
  error: CombinedError | undefined;
  failed: string;
  loading: string;
  refetch: (context: Partial<OperationContext>) => void;
}

/** A query's failure (with a retry past the cache) or its first load. */
export function QueryStatus({ loaded, fetching, error, failed, loading, refetch }: QueryStatusProps) {
  if (loaded) return null;
  return (
    <>
      {error && (
        <ErrorNotice
          error={error}
          title={failed}
          onRetry={() => refetch({ requestPolicy: 'network-only' })}
        />
      )}
      {fetching && <Loading label={loading} />}
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
