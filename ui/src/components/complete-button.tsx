import { useState } from 'react';
import { useMutation } from 'urql';
import { CompleteTaskDocument } from '../generated/operations.ts';
import { describeError } from '../lib/errors.ts';
import { formatMoney } from '../lib/money.ts';
import { useNotify } from './toasts.tsx';

interface CompleteButtonProps {
  taskId: string;
  title: string;
  reward: string | null | undefined;
  onDone?: () => void;
}

/** The assignee marks a task done; a conflict (already done) is shown beside the button. */
export function CompleteButton({ taskId, title, reward, onDone }: CompleteButtonProps) {
  const [{ fetching }, complete] = useMutation(CompleteTaskDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const notify = useNotify();

  async function run() {
    setProblem(null);
    const result = await complete({ id: taskId });
    if (result.data) {
      notify(
        reward ? `Done: “${title}”. Reward ${formatMoney(reward, { signed: true })}.` : `Done: “${title}”.`,
        'success',
      );
      onDone?.();
    } else setProblem(describeError(result.error)?.messages.join(' ') ?? 'Could not complete the task.');
  }

  return (
    <span className="complete">
      <button
        type="button"
        className="button button--primary button--small"
        onClick={run}
        disabled={fetching}
        aria-label={`Complete “${title}”`}
      >
        {fetching ? 'Completing…' : 'Complete'}
      </button>
      {problem && (
        <span className="inline-status inline-status--error" role="alert">
          {problem}
        </span>
      )}
    </span>
  );
}
