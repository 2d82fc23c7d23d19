import path from 'node:path';

/** `schema/events` at the repository root (packages/events/src/registry → ../../../..). */
export const defaultSchemaDir = path.resolve(import.meta.dirname, '../../../../schema/events');
