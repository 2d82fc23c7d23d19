import type { Role, Viewer } from '@ates/service-kit';

/** A user's email is visible to that user and to ADMIN only. */
export function canSeeEmail(viewer: Viewer | null, userId: string): boolean {
  return viewer !== null && (viewer.userId === userId || viewer.role === 'ADMIN');
}

export const USER_LISTERS: readonly Role[] = ['ADMIN', 'MANAGER', 'ACCOUNTANT'];
