import type { Role } from '../generated/operations.ts';

/**
 * Which role may open which page. Navigation is built from this table, and the router checks
 * it again so a page typed into the address bar shows "not allowed" instead of failing queries.
 */

export type PageId = 'tasks' | 'myTasks' | 'account' | 'accounting' | 'analytics' | 'admin';

export interface PageDef {
  id: PageId;
  path: string;
  label: string;
  roles: readonly Role[] | 'everyone';
}

export const PAGES: readonly PageDef[] = [
  { id: 'tasks', path: '/tasks', label: 'Tasks', roles: 'everyone' },
  { id: 'myTasks', path: '/my-tasks', label: 'My tasks', roles: 'everyone' },
  { id: 'account', path: '/account', label: 'My account', roles: 'everyone' },
  { id: 'accounting', path: '/accounting', label: 'Accounting', roles: ['ADMIN', 'ACCOUNTANT'] },
  { id: 'analytics', path: '/analytics', label: 'Analytics', roles: ['ADMIN'] },
  { id: 'admin', path: '/admin', label: 'Admin', roles: ['ADMIN'] },
];

export function canOpen(role: Role, page: PageId): boolean {
  const def = PAGES.find((p) => p.id === page);
  if (!def) return false;
  return def.roles === 'everyone' || def.roles.includes(role);
}

export function navFor(role: Role): PageDef[] {
  return PAGES.filter((p) => canOpen(role, p.id));
}

export function pageLabel(page: PageId): string {
  return PAGES.find((p) => p.id === page)?.label ?? page;
}

/** ADMIN and MANAGER reassign every open task. */
export function canShuffle(role: Role): boolean {
  return role === 'ADMIN' || role === 'MANAGER';
}

/** The list of all users is for ADMIN, MANAGER and ACCOUNTANT. */
export function canListUsers(role: Role): boolean {
  return role === 'ADMIN' || role === 'MANAGER' || role === 'ACCOUNTANT';
}

export const ROLES: readonly Role[] = ['WORKER', 'ACCOUNTANT', 'MANAGER', 'ADMIN'];

export const ROLE_LABELS: Record<Role, string> = {
  ADMIN: 'Admin',
  MANAGER: 'Manager',
  ACCOUNTANT: 'Accountant',
  WORKER: 'Worker',
};
