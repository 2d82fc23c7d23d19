import { useQuery } from 'urql';
import { TaskDocument } from '../generated/operations.ts';
import { useCurrentUser } from '../app/current-user.tsx';
import { Link } from '../app/router.tsx';
import { StatusBadge } from '../components/badges.tsx';
import { CompleteButton } from '../components/complete-button.tsx';
import { Money } from '../components/money.tsx';
import { QueryStatus } from '../components/status.tsx';
import { formatDateTime } from '../lib/dates.ts';

export function TaskPage({ id }: { id: string }) {
  const user = useCurrentUser();
  const [{ data, fetching, error }, refetch] = useQuery({ query: TaskDocument, variables: { id } });
  const task = data?.task;

  return (
    <section aria-labelledby="page-title">
      <p className="breadcrumbs">
        <Link to="/tasks">← Task dashboard</Link>
      </p>
      <QueryStatus what="the task" result={{ data, fetching, error }} refetch={refetch} />
      {data && !task && (
        <div className="state-page">
          <h1 id="page-title">Task not found</h1>
          <p>There is no task with this id.</p>
        </div>
      )}
      {task && (
        <article className="card task-detail">
          <header className="task-detail__head">
            <div>
              {task.jiraId && <span className="jira-id">{task.jiraId}</span>}
              <h1 id="page-title" className="task-detail__title">
                {task.title}
              </h1>
            </div>
            <StatusBadge status={task.status} />
          </header>
          <p className="task-detail__description">
            {task.description || <span className="muted">No description.</span>}
          </p>
          <dl className="facts">
            <div>
              <dt>Assignee</dt>
              <dd>
                {task.assignee.name} <span className="muted">@{task.assignee.login}</span>
              </dd>
            </div>
            <div>
              <dt>Created by</dt>
              <dd>@{task.createdBy.login}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>{formatDateTime(task.createdAt)}</dd>
            </div>
            <div>
              <dt>Completed</dt>
              <dd>{task.completedAt ? formatDateTime(task.completedAt) : '—'}</dd>
            </div>
            <div>
              <dt>Assignment fee</dt>
              <dd>
                {task.price ? (
                  <Money value={task.price.assignFee} />
                ) : (
                  <span className="muted">Pricing…</span>
                )}
              </dd>
            </div>
            <div>
              <dt>Reward</dt>
              <dd>
                {task.price ? <Money value={task.price.reward} /> : <span className="muted">Pricing…</span>}
              </dd>
            </div>
          </dl>
          {task.status === 'OPEN' && task.assignee.id === user.id && (
            <div className="task-detail__actions">
              <CompleteButton taskId={task.id} title={task.title} reward={task.price?.reward} />
            </div>
          )}
        </article>
      )}
    </section>
  );
}
