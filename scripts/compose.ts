import fs from 'node:fs';
import { API_SCHEMA_PATH, SUPERGRAPH_PATH, composeSupergraph } from './lib/compose.ts';
import { presentSubgraphs } from './lib/subgraphs.ts';

try {
  const { supergraphSdl, apiSchemaSdl } = composeSupergraph();
  fs.writeFileSync(SUPERGRAPH_PATH, supergraphSdl);
  fs.writeFileSync(API_SCHEMA_PATH, apiSchemaSdl);
  const names = presentSubgraphs().map((s) => s.name);
  console.log(`composed ${names.join(', ')} → schema/supergraph.graphql, schema/api.graphql`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
