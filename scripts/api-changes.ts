/**
 * Lists how the API schema composed from the subgraphs differs from schema/api.graphql at a git
 * revision (default HEAD, the committed baseline): breaking, dangerous and safe changes, each
 * with the project's operations it touches. CI prints it against the previous commit.
 *
 *   pnpm api:changes            # uncommitted subgraph changes against the committed API
 *   pnpm api:changes HEAD~1     # what the last commit changed
 */
import { execFileSync } from 'node:child_process';
import { apiChanges } from './lib/api-changes.ts';
import { composeSupergraph } from './lib/compose.ts';
import { repoRoot } from './lib/subgraphs.ts';

const revision = process.argv[2] ?? 'HEAD';
let baseline: string;
try {
  baseline = execFileSync('git', ['show', `${revision}:schema/api.graphql`], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
} catch {
  console.log(`no schema/api.graphql at ${revision}: nothing to compare`);
  process.exit(0);
}
const changes = await apiChanges(baseline, composeSupergraph().apiSchemaSdl);
for (const [level, list] of Object.entries(changes)) {
  console.log(`${level} changes against ${revision}: ${list.length}`);
  for (const change of list) console.log(`  - ${change}`);
}
