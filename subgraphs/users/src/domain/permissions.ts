import { forbidden, unauthenticated, type Role, type Viewer } from '@ates/service-kit';

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export function requireRole(viewer: Viewer | null, roles: readonly Role[]): Viewer {
  const v = requireViewer(viewer);
  if (!roles.includes(v.role)) throw forbidden(`Only ${roles.join(', ')} may do this`);
  return v;
}

/** A user's email is visible to that user and to ADMIN only. */
export function canSeeEmail(viewer: Viewer | null, userId: string): boolean {
  return viewer !== null && (viewer.userId === userId || viewer.role === 'ADMIN');
}

export const USER_LISTERS: readonly Role[] = ['ADMIN', 'MANAGER', 'ACCOUNTANT'];
