import type { Role, Viewer } from './auth.ts';
import { forbidden, unauthenticated } from './errors.ts';

/** The caller must be logged in: anonymous → UNAUTHENTICATED. */
export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** The caller must hold one of `roles`: anonymous → UNAUTHENTICATED, anyone else → FORBIDDEN. */
export function requireRole(viewer: Viewer | null, roles: readonly Role[]): Viewer {
  const v = requireViewer(viewer);
  if (!roles.includes(v.role)) throw forbidden(`Only ${roles.join(', ')} may do this`);
  return v;
}
