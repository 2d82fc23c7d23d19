import type { Role } from '@ates/service-kit';

/** SPEC: analytics is for admins only. */
export const ANALYSTS: readonly Role[] = ['ADMIN'];
