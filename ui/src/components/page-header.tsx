import type { ReactNode } from 'react';

export function PageHeader({
  title,
  lead,
  actions,
}: {
  title: string;
  lead?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="page-header">
      <div>
        <h1 id="page-title" className="page-header__title">
          {title}
        </h1>
        {lead && <p className="page-header__lead">{lead}</p>}
      </div>
      {actions && <div className="page-header__actions">{actions}</div>}
    </div>
  );
}

export function LiveBadge({ active }: { active: boolean }) {
  return (
    <span className={`live-badge${active ? ' live-badge--on' : ''}`} title="Updates arrive without reloading">
      <span className="live-badge__dot" aria-hidden="true" />
      {active ? 'Live' : 'Connecting…'}
    </span>
  );
}
