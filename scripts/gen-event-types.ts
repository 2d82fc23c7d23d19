/**
 * Writes packages/events/src/generated/event-types.ts from the JSON Schemas in schema/events/
 * (run by `pnpm codegen`). The schemas are the only source of the event types.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderEventTypes } from '../packages/events/src/codegen/render-event-types.ts';
import { defaultSchemaDir } from '../packages/events/src/registry/schema-dir.ts';

export const eventTypesFile = path.resolve(
  import.meta.dirname,
  '../packages/events/src/generated/event-types.ts',
);

const source = await renderEventTypes(defaultSchemaDir);
fs.mkdirSync(path.dirname(eventTypesFile), { recursive: true });
fs.writeFileSync(eventTypesFile, source);
console.log(`wrote ${path.relative(process.cwd(), eventTypesFile)}`);
