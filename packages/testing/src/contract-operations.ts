import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type DefinitionNode } from 'graphql';

const sharedDir = () =>
  process.env.ATES_SHARED_DIR ?? path.resolve(import.meta.dirname, '../../../../shared');

/**
 * One named operation of shared/contract/operations/<file>, as text, for e2e tests that run
 * the contract's own operations (the typed documents of codegen cover only files whose
 * subgraphs all exist).
 */
export function contractOperation(file: string, name: string): string {
  const document = parse(fs.readFileSync(path.join(sharedDir(), 'contract/operations', file), 'utf8'));
  const isNamed = (d: DefinitionNode) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name;
  const operation = document.definitions.find(isNamed);
  if (!operation) throw new Error(`No operation ${name} in ${file}`);
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  return [operation, ...fragments].map((d) => print(d)).join('\n');
}
