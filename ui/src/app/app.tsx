import { useEffect, type ReactNode } from 'react';
import { useQuery } from 'urql';
import { MeDocument } from '../generated/operations.ts';
import { Layout } from '../components/layout.tsx';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { ToastProvider } from '../components/toasts.tsx';
import { Logo } from '../components/logo.tsx';
import { ForbiddenPage, NotFoundPage } from '../pages/forbidden-page.tsx';
import { LoginPage } from '../pages/login-page.tsx';
import { SignUpPage } from '../pages/signup-page.tsx';
import { CurrentUserContext, type CurrentUser } from './current-user.tsx';
import { HOME, resolveRoute } from './routes.tsx';
import { navigate, usePathname, useSearch } from './router.tsx';
import { ClientProvider, expireSession, useToken } from './session.tsx';

export function App() {
  return (
    <ClientProvider>
      <ToastProvider>
        <Shell />
      </ToastProvider>
    </ClientProvider>
  );
}

export function Shell() {
  const token = useToken();
  return token ? <SignedIn /> : <SignedOut />;
}

/** Where to go after logging in: only same-app paths, never another origin. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return HOME;
  if (next.startsWith('/login') || next.startsWith('/signup')) return HOME;
  return next;
}

function SignedOut() {
  const pathname = usePathname();
  const onAuthPage = pathname === '/login' || pathname === '/signup';
  useEffect(() => {
    if (onAuthPage) return;
    const next = window.location.pathname + window.location.search;
    navigate(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`, { replace: true });
  }, [onAuthPage]);
  return pathname === '/signup' ? <SignUpPage /> : <LoginPage />;
}

function SignedIn() {
  const [{ data, error, fetching }, refetch] = useQuery({ query: MeDocument });
  const me = data?.me;

  useEffect(() => {
    // `me` is null when the token is no longer valid (expired, or signed by an old key).
    if (data && data.me === null) expireSession();
  }, [data]);

  if (me) return <SignedInShell user={me} />;
  if (error && !fetching)
    return (
      <CenteredScreen>
        <ErrorNotice
          error={error}
          title="Could not load your profile"
          onRetry={() => refetch({ requestPolicy: 'network-only' })}
        />
      </CenteredScreen>
    );
  return (
    <CenteredScreen>
      <Loading label="Loading your workspace…" />
    </CenteredScreen>
  );
}

function SignedInShell({ user }: { user: CurrentUser }) {
  const pathname = usePathname();
  const search = useSearch();
  const resolved = resolveRoute(pathname, user.role);
  const redirectTo =
    resolved.kind === 'redirect'
      ? pathname === '/login' || pathname === '/signup'
        ? safeNext(search.get('next'))
        : resolved.to
      : null;

  useEffect(() => {
    if (redirectTo) navigate(redirectTo, { replace: true });
  }, [redirectTo]);

  return (
    <CurrentUserContext.Provider value={user}>
      <Layout>
        {resolved.kind === 'page' && resolved.element}
        {resolved.kind === 'forbidden' && <ForbiddenPage page={resolved.page} role={user.role} />}
        {resolved.kind === 'not-found' && <NotFoundPage />}
        {resolved.kind === 'redirect' && <Loading />}
      </Layout>
    </CurrentUserContext.Provider>
  );
}

function CenteredScreen({ children }: { children: ReactNode }) {
  return (
    <div className="centered-screen">
      <div className="centered-screen__brand">
        <Logo size={40} />
        <span className="brand__name">PopugJira</span>
      </div>
      {children}
    </div>
  );
}
