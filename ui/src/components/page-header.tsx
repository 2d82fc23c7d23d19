import type { ReactNode } from 'react';
import { useLiveState } from '../app/session.tsx';

function PageHeader({ title, lead, actions }: { title: string; lead?: ReactNode; actions?: ReactNode }) {
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

/** A page: the section its title names, the header, and a live badge on pages that update live. */
export function Page({
  title,
  lead,
  actions,
  live,
  children,
}: {
  title: string;
  lead?: ReactNode;
  actions?: ReactNode;
  live?: boolean;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby="page-title">
      <PageHeader title={title} lead={lead} actions={live ? <LiveBadge /> : actions} />
      {children}
    </section>
  );
}

function LiveBadge() {
  const active = useLiveState() === 'live';
  return (
    <span className={`live-badge${active ? ' live-badge--on' : ''}`} title="Updates arrive without reloading">
      <span className="live-badge__dot" aria-hidden="true" />
      {active ? 'Live' : 'Connecting…'}
    </span>
  );
}
