import type { ReactNode } from 'react';

/** A card with its title and, at the right of its head, what acts on it (filters, a button). */
export function Card({
  title,
  actions,
  children,
}: {
  title: string;
  actions: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="card">
      <div className="card__head">
        <h2 className="card__title">{title}</h2>
        {actions}
      </div>
      {children}
    </div>
  );
}
