import type { Role } from '../generated/operations.ts';
import { Link } from '../app/router.tsx';
import { pageLabel, ROLE_LABELS, type PageId } from '../lib/roles.ts';

/** Shown instead of a page the user's role may not open (typed into the address bar). */
export function ForbiddenPage({ page, role }: { page: PageId; role: Role }) {
  return (
    <section className="state-page" aria-labelledby="forbidden-title">
      <p className="state-page__code">403</p>
      <h1 id="forbidden-title">Not allowed</h1>
      <p>
        <strong>{pageLabel(page)}</strong> is not available to the <strong>{ROLE_LABELS[role]}</strong> role.
        If you need access, ask an administrator to change your role.
      </p>
      <Link to="/tasks" className="button button--primary">
        Go to the task dashboard
      </Link>
    </section>
  );
}

export function NotFoundPage() {
  return (
    <section className="state-page" aria-labelledby="not-found-title">
      <p className="state-page__code">404</p>
      <h1 id="not-found-title">Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link to="/tasks" className="button button--primary">
        Go to the task dashboard
      </Link>
    </section>
  );
}
