import type { Role } from '@ates/service-kit';

export const SHUFFLERS: readonly Role[] = ['ADMIN', 'MANAGER'];
