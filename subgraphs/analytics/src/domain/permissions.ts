import type { Role } from '@ates/service-kit';

/** Analytics is for admins only (docs/business-rules.md#roles). */
export const ANALYSTS: readonly Role[] = ['ADMIN'];
