import type { ReactNode } from 'react';
import type { Role } from '../generated/operations.ts';
import { canOpen, type PageId } from '../lib/roles.ts';
import { matchPath } from './router.tsx';
import { TasksPage } from '../pages/tasks-page.tsx';
import { NewTaskPage } from '../pages/new-task-page.tsx';
import { TaskPage } from '../pages/task-page.tsx';
import { MyTasksPage } from '../pages/my-tasks-page.tsx';
import { AccountPage } from '../pages/account-page.tsx';
import { AccountingPage } from '../pages/accounting-page.tsx';
import { AnalyticsPage } from '../pages/analytics-page.tsx';
import { AdminPage } from '../pages/admin-page.tsx';

interface RouteDef {
  pattern: string;
  page: PageId;
  render: (params: Record<string, string>) => ReactNode;
}

/** Order matters: "/tasks/new" before "/tasks/:id". */
const ROUTES: readonly RouteDef[] = [
  { pattern: '/tasks', page: 'tasks', render: () => <TasksPage /> },
  { pattern: '/tasks/new', page: 'tasks', render: () => <NewTaskPage /> },
  { pattern: '/tasks/:id', page: 'tasks', render: (p) => <TaskPage id={p['id'] ?? ''} /> },
  { pattern: '/my-tasks', page: 'myTasks', render: () => <MyTasksPage /> },
  { pattern: '/account', page: 'account', render: () => <AccountPage /> },
  { pattern: '/accounting', page: 'accounting', render: () => <AccountingPage /> },
  { pattern: '/analytics', page: 'analytics', render: () => <AnalyticsPage /> },
  { pattern: '/admin', page: 'admin', render: () => <AdminPage /> },
];

export const HOME = '/tasks';

export type Resolved =
  | { kind: 'page'; page: PageId; element: ReactNode }
  | { kind: 'forbidden'; page: PageId }
  | { kind: 'redirect'; to: string }
  | { kind: 'not-found' };

/** The page for a path and role; a page the role may not open resolves to "forbidden". */
export function resolveRoute(pathname: string, role: Role): Resolved {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/' || path === '/login' || path === '/signup') return { kind: 'redirect', to: HOME };
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (!params) continue;
    if (!canOpen(role, route.page)) return { kind: 'forbidden', page: route.page };
    return { kind: 'page', page: route.page, element: route.render(params) };
  }
  return { kind: 'not-found' };
}
