import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { ShuffleTasksDocument, TaskDashboardDocument } from '../generated/operations.ts';
import { describeError } from '../lib/errors.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { useNotify } from './toasts.tsx';

/** Reassigns every open task after a confirmation, then reports how many moved. */
export function ShuffleButton({ onDone }: { onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [{ fetching }, shuffle] = useMutation(ShuffleTasksDocument);
  // How many would move, asked afresh each time the dialog opens.
  const [openTasks] = useQuery({
    query: TaskDashboardDocument,
    variables: { status: 'OPEN', first: 1 },
    pause: !open,
    requestPolicy: 'network-only',
  });
  const count = open ? openTasks.data?.tasks.totalCount : undefined;
  const notify = useNotify();

  async function confirm() {
    const result = await shuffle({});
    setOpen(false);
    if (result.data) {
      const n = result.data.shuffleTasks.reassigned;
      const text = `Shuffled: ${n} open ${n === 1 ? 'task was' : 'tasks were'} reassigned.`;
      setOutcome({ ok: true, text });
      notify(text, 'success');
      onDone();
    } else {
      setOutcome({ ok: false, text: describeError(result.error)?.messages.join(' ') ?? 'Shuffle failed.' });
    }
  }

  return (
    <>
      <button type="button" className="button button--secondary" onClick={() => setOpen(true)}>
        Shuffle open tasks
      </button>
      <span className={`inline-status${outcome && !outcome.ok ? ' inline-status--error' : ''}`} role="status">
        {outcome?.text}
      </span>
      <ConfirmDialog
        open={open}
        title="Shuffle all open tasks?"
        confirmLabel="Shuffle"
        busy={fetching}
        onConfirm={confirm}
        onCancel={() => setOpen(false)}
      >
        <p>
          Every open task is reassigned to a random popug (it may stay with the same one). Each new assignment
          charges the assignee the task&apos;s fee again.
        </p>
        <p className="dialog__count">
          {count === undefined
            ? 'Counting the open tasks…'
            : `${count} open ${count === 1 ? 'task' : 'tasks'} will be reassigned.`}
        </p>
      </ConfirmDialog>
    </>
  );
}
