import { useEffect, useRef, type ReactNode } from 'react';
import { useCurrentUser } from '../app/current-user.tsx';
import { Link, navigate, usePathname } from '../app/router.tsx';
import { useLiveState } from '../app/session.tsx';
import { navFor } from '../lib/roles.ts';
import { revokeSession } from '../lib/client.ts';
import { RoleBadge } from './badges.tsx';
import { Logo } from './logo.tsx';

const LIVE_TEXT = { idle: 'Live updates idle', connecting: 'Connecting…', live: 'Live', offline: 'Offline' };

export function logOut(): void {
  revokeSession();
  navigate('/login', { replace: true });
}

/** Header with the navigation the user's role allows, and the page below it. */
export function Layout({ children }: { children: ReactNode }) {
  const user = useCurrentUser();
  const pathname = usePathname();
  const live = useLiveState();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After a client-side navigation, move focus to the new page so screen readers announce it.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar__inner">
          <Link to="/tasks" className="brand" aria-label="PopugJira home">
            <Logo />
            <span className="brand__name">PopugJira</span>
          </Link>
          <nav className="nav" aria-label="Main">
            <ul className="nav__list">
              {navFor(user.role).map((page) => {
                const active = pathname === page.path || pathname.startsWith(`${page.path}/`);
                return (
                  <li key={page.id}>
                    <Link
                      to={page.path}
                      className={`nav__link${active ? ' nav__link--active' : ''}`}
                      aria-current={active ? 'page' : undefined}
                    >
                      {page.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
          <div className="topbar__user">
            <span className={`live-dot live-dot--${live}`} title={LIVE_TEXT[live]}>
              <span className="sr-only">{LIVE_TEXT[live]}</span>
            </span>
            <span className="user-chip">
              <span className="user-chip__name">{user.name}</span>
              <span className="user-chip__login">@{user.login}</span>
            </span>
            <RoleBadge role={user.role} />
            <button type="button" className="button button--ghost" onClick={logOut}>
              Log out
            </button>
          </div>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="main">
        {children}
      </main>
    </div>
  );
}
