import { describe, expect, it } from 'vitest';
import { resolveRoute } from '../app/routes.tsx';
import { canShuffle, navFor } from './roles.ts';

const labels = (role: Parameters<typeof navFor>[0]) => navFor(role).map((p) => p.label);

describe('navigation by role', () => {
  it('offers a worker only the pages a worker may open', () => {
    expect(labels('WORKER')).toEqual(['Tasks', 'My tasks', 'My account']);
  });

  it('offers accounting to accountants but not analytics or admin', () => {
    expect(labels('ACCOUNTANT')).toEqual(['Tasks', 'My tasks', 'My account', 'Accounting']);
  });

  it('offers a manager the task pages only', () => {
    expect(labels('MANAGER')).toEqual(['Tasks', 'My tasks', 'My account']);
  });

  it('offers an admin everything', () => {
    expect(labels('ADMIN')).toEqual(['Tasks', 'My tasks', 'My account', 'Accounting', 'Analytics', 'Admin']);
  });

  it('lets only managers and admins shuffle', () => {
    expect(canShuffle('ADMIN') && canShuffle('MANAGER')).toBe(true);
    expect(canShuffle('ACCOUNTANT') || canShuffle('WORKER')).toBe(false);
  });
});

describe('a page typed into the address bar', () => {
  it('is "forbidden" when the role may not open it', () => {
    expect(resolveRoute('/accounting', 'WORKER')).toEqual({ kind: 'forbidden', page: 'accounting' });
    expect(resolveRoute('/analytics', 'ACCOUNTANT')).toEqual({ kind: 'forbidden', page: 'analytics' });
    expect(resolveRoute('/admin', 'MANAGER')).toEqual({ kind: 'forbidden', page: 'admin' });
  });

  it('opens when the role may open it, with or without a trailing slash', () => {
    expect(resolveRoute('/accounting/', 'ACCOUNTANT').kind).toBe('page');
    expect(resolveRoute('/tasks/t-1', 'WORKER').kind).toBe('page');
  });

  it('sends the root and the sign-in pages home, and unknown paths to "not found"', () => {
    expect(resolveRoute('/', 'WORKER')).toEqual({ kind: 'redirect', to: '/tasks' });
    expect(resolveRoute('/login', 'ADMIN')).toEqual({ kind: 'redirect', to: '/tasks' });
    expect(resolveRoute('/nope', 'ADMIN')).toEqual({ kind: 'not-found' });
  });
});
