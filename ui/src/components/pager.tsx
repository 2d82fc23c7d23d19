import { useState } from 'react';

/**
 * Forward-only cursors (first/after) turned into Previous/Next: the stack holds the `after`
 * cursor of every page visited. A new `resetKey` (filters changed) starts again at page 1.
 */
export function useCursorPages(resetKey: string) {
  const [state, setState] = useState<{ key: string; stack: (string | null)[] }>({
    key: resetKey,
    stack: [null],
  });
  const stack = state.key === resetKey ? state.stack : [null];
  if (state.key !== resetKey) setState({ key: resetKey, stack: [null] });
  return {
    after: stack[stack.length - 1] ?? null,
    page: stack.length,
    next: (endCursor: string) => setState({ key: resetKey, stack: [...stack, endCursor] }),
    previous: () => setState({ key: resetKey, stack: stack.length > 1 ? stack.slice(0, -1) : stack }),
  };
}

interface PagerProps {
  page: number;
  hasNext: boolean;
  endCursor: string | null | undefined;
  onNext: (cursor: string) => void;
  onPrevious: () => void;
  summary?: string;
  busy?: boolean;
}

export function Pager({ page, hasNext, endCursor, onNext, onPrevious, summary, busy }: PagerProps) {
  if (page === 1 && !hasNext) return summary ? <p className="pager__summary">{summary}</p> : null;
  return (
    <nav className="pager" aria-label="Pagination">
      <button
        type="button"
        className="button button--secondary"
        onClick={onPrevious}
        disabled={page === 1 || busy}
      >
        ← Previous
      </button>
      <span className="pager__summary" aria-live="polite">
        Page {page}
        {summary ? ` · ${summary}` : ''}
      </span>
      <button
        type="button"
        className="button button--secondary"
        onClick={() => endCursor && onNext(endCursor)}
        disabled={!hasNext || !endCursor || busy}
      >
        Next →
      </button>
    </nav>
  );
}
