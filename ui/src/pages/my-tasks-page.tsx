import { useCallback } from 'react';
import { useQuery } from 'urql';
import {
  MyTasksDocument,
  OnMyTasksDocument,
  type OnMyTasksSubscription,
  type TaskStatus,
} from '../generated/operations.ts';
import { describeTaskEvents } from '../lib/live-messages.ts';
import { useLiveEvents } from '../lib/use-live-events.ts';
import { useSearchParam } from '../app/router.tsx';
import { StatusBadge } from '../components/badges.tsx';
import { CompleteButton } from '../components/complete-button.tsx';
import { Page } from '../components/page-header.tsx';
import { Empty, QueryStatus } from '../components/status.tsx';
import { Price, TaskTitle } from '../components/task-bits.tsx';
import { useNotify } from '../components/toasts.tsx';
import { formatDateTime } from '../lib/dates.ts';

const TABS: { value: string; label: string }[] = [
  { value: '', label: 'Open' },
  { value: 'DONE', label: 'Done' },
  { value: 'ALL', label: 'All' },
];

function statusOf(tab: string): TaskStatus | null {
  if (tab === 'DONE') return 'DONE';
  if (tab === 'ALL') return null;
  return 'OPEN';
}

/** The caller's own tasks, refreshed live when one is assigned, taken away or completed. */
export function MyTasksPage() {
  const [tab, setTab] = useSearchParam('show');
  const activeTab = tab === 'DONE' || tab === 'ALL' ? tab : '';
  const status = statusOf(activeTab);
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyTasksDocument, variables: { status } });
  const notify = useNotify();
  const live = useLiveEvents(
    OnMyTasksDocument,
    (d) => d.myTasks,
    useCallback(
      (events: OnMyTasksSubscription['myTasks'][]) => {
        const tone = events.every((e) => e.kind === 'UNASSIGNED') ? 'warning' : 'info';
        notify(describeTaskEvents(events), tone);
        refetch({ requestPolicy: 'network-only' });
      },
      [notify, refetch],
    ),
  );

  const tasks = data?.me?.tasks;

  return (
    <Page
      title="My tasks"
      lead="Tasks assigned to you. Completing one pays its reward into your account."
      live
    >
      <div className="card">
        <div className="tabs" role="group" aria-label="Show">
          {TABS.map((t) => (
            <button
              key={t.value}
              type="button"
              className={`tab${activeTab === t.value ? ' tab--active' : ''}`}
              aria-pressed={activeTab === t.value}
              onClick={() => setTab(t.value || null)}
            >
              {t.label}
            </button>
          ))}
        </div>
        {live.error && (
          <p className="notice notice--warning" role="status">
            Live updates are unavailable right now; the list refreshes when you come back to this page.
          </p>
        )}
        <QueryStatus what="your tasks" result={{ data, fetching, error }} refetch={refetch} />
        {tasks && tasks.length === 0 && (
          <Empty>{status === 'OPEN' ? 'No open tasks. Enjoy the quiet.' : 'Nothing here yet.'}</Empty>
        )}
        {tasks && tasks.length > 0 && (
          <ul className="task-list">
            {tasks.map((task) => (
              <li key={task.id} className="task-list__item">
                <div className="task-list__main">
                  <TaskTitle id={task.id} title={task.title} jiraId={task.jiraId} />
                  <span className="task-list__meta">
                    <StatusBadge status={task.status} />{' '}
                    <span className="muted">{formatDateTime(task.createdAt)}</span>
                  </span>
                </div>
                <Price price={task.price} />
                <div className="task-list__action">
                  {task.status === 'OPEN' ? (
                    <CompleteButton taskId={task.id} title={task.title} reward={task.price?.reward} />
                  ) : (
                    <span className="muted">Completed</span>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Page>
  );
}
