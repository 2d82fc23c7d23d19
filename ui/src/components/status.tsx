import type { CombinedError } from '@urql/core';
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
