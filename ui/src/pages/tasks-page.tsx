import { useQuery } from 'urql';
import { TaskDashboardDocument, UsersDocument, type TaskStatus } from '../generated/operations.ts';
import { useCurrentUser } from '../app/current-user.tsx';
import { Link, useSearchParam } from '../app/router.tsx';
import { StatusBadge } from '../components/badges.tsx';
import { SelectField } from '../components/field.tsx';
import { Page } from '../components/page-header.tsx';
import { Pager, useCursorPages } from '../components/pager.tsx';
import { ShuffleButton } from '../components/shuffle-button.tsx';
import { Empty, QueryStatus } from '../components/status.tsx';
import { Price, TaskTitle } from '../components/task-bits.tsx';
import { formatDateTime } from '../lib/dates.ts';
import { canListUsers, canShuffle } from '../lib/roles.ts';

const PAGE_SIZE = 25;

function asStatus(value: string): TaskStatus | null {
  return value === 'OPEN' || value === 'DONE' ? value : null;
}

/** Everyone's task dashboard: all tasks, newest first, filtered by status and assignee. */
export function TasksPage() {
  const user = useCurrentUser();
  const [statusParam, setStatus] = useSearchParam('status');
  const [assignee, setAssignee] = useSearchParam('assignee');
  const status = asStatus(statusParam);
  const pages = useCursorPages(`${status ?? ''}|${assignee}`);
  const [{ data, fetching, error, stale }, refetch] = useQuery({
    query: TaskDashboardDocument,
    variables: { status, assigneeId: assignee || null, first: PAGE_SIZE, after: pages.after },
  });
  const tasks = data?.tasks;

  return (
    <Page
      title="Task dashboard"
      lead="Every task in the company, newest first."
      actions={
        <>
          {canShuffle(user.role) && (
            <ShuffleButton onDone={() => refetch({ requestPolicy: 'network-only' })} />
          )}
          <Link to="/tasks/new" className="button button--primary">
            New task
          </Link>
        </>
      }
    >
      <div className="card">
        <div className="filters" role="group" aria-label="Filters">
          <SelectField
            label="Status"
            name="status"
            value={status ?? ''}
            onChange={(e) => setStatus(e.target.value || null)}
          >
            <option value="">All statuses</option>
            <option value="OPEN">Open</option>
            <option value="DONE">Done</option>
          </SelectField>
          <AssigneeFilter value={assignee} onChange={(v) => setAssignee(v || null)} />
          <p className="filters__count" aria-live="polite">
            {tasks ? `${tasks.totalCount} ${tasks.totalCount === 1 ? 'task' : 'tasks'}` : ''}
            {(stale || (fetching && tasks)) && <span className="muted"> · updating…</span>}
          </p>
        </div>
        <QueryStatus what="tasks" result={{ data: tasks, fetching, error }} refetch={refetch} />
        {tasks && tasks.nodes.length === 0 && (
          <Empty>
            No tasks match these filters. <Link to="/tasks/new">Create a task</Link>
          </Empty>
        )}
        {tasks && tasks.nodes.length > 0 && (
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="sr-only">Tasks</caption>
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col">Status</th>
                  <th scope="col">Assignee</th>
                  <th scope="col">Price</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {tasks.nodes.map((task) => (
                  <tr key={task.id}>
                    <td data-label="Task">
                      <TaskTitle id={task.id} title={task.title} jiraId={task.jiraId} />
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={task.status} />
                    </td>
                    <td data-label="Assignee">
                      <span className="person">
                        {task.assignee.name}
                        <span className="muted"> @{task.assignee.login}</span>
                      </span>
                    </td>
                    <td data-label="Price">
                      <Price price={task.price} />
                    </td>
                    <td data-label="Created" className="nowrap">
                      {formatDateTime(task.createdAt)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {tasks && (
          <Pager
            page={pages.page}
            hasNext={tasks.pageInfo.hasNextPage}
            endCursor={tasks.pageInfo.endCursor}
            onNext={pages.next}
            onPrevious={pages.previous}
            busy={fetching}
            summary={`${tasks.totalCount} in total`}
          />
        )}
      </div>
    </Page>
  );
}

/** Managers, accountants and admins pick anyone; a worker (no users list) picks "me". */
function AssigneeFilter({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const user = useCurrentUser();
  const listAll = canListUsers(user.role);
  const [{ data, error }] = useQuery({ query: UsersDocument, variables: {}, pause: !listAll });
  const users = [...(data?.users ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const known = !value || value === user.id || users.some((u) => u.id === value);
  return (
    <SelectField
      label="Assignee"
      name="assignee"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      hint={error ? 'Could not load the list of popugs' : undefined}
    >
      <option value="">Anyone</option>
      <option value={user.id}>Me ({user.login})</option>
      {!known && <option value={value}>Selected popug</option>}
      {users
        .filter((u) => u.id !== user.id)
        .map((u) => (
          <option key={u.id} value={u.id}>
            {u.name} (@{u.login})
          </option>
        ))}
    </SelectField>
  );
}
