import { Link } from '../app/router.tsx';
import { Money } from './money.tsx';

export function TaskTitle({ id, title, jiraId }: { id: string; title: string; jiraId: string | null }) {
  return (
    <Link to={`/tasks/${encodeURIComponent(id)}`} className="task-title">
      {jiraId && <span className="jira-id">{jiraId}</span>}
      <span>{title}</span>
    </Link>
  );
}

export function Price({ price }: { price: { assignFee: string; reward: string } | null }) {
  if (!price) return <span className="muted">Pricing…</span>;
  return (
    <span className="price">
      <span title="Fee charged to the assignee">
        fee <Money value={price.assignFee} />
      </span>
      <span title="Reward paid on completion">
        reward <Money value={price.reward} />
      </span>
    </span>
  );
}
