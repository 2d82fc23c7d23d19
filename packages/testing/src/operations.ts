import type { DocumentNode } from 'graphql';
import * as ops from './generated/operations.ts';

/**
 * The project's operation called `name` (operations/*.graphql), for tests that pick operations
 * from a table by name; elsewhere use the typed `ops.<Name>Document` directly.
 */
export function operationNamed(name: string): DocumentNode {
  const document: unknown = (ops as Record<string, unknown>)[`${name}Document`];
  if (!document) throw new Error(`No operation ${name} in operations/*.graphql`);
  return document as DocumentNode;
}
