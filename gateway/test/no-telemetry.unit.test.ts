import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@ates/service-kit';
import { createGateway } from '../src/gateway.ts';
import { createSubgraphFetchers } from '../src/subgraph-fetcher.ts';

describe('the gateway', () => {
  it('turns off @apollo/gateway telemetry (usage export to Apollo, cloud metadata probes) before it is built', () => {
    delete process.env.APOLLO_TELEMETRY_DISABLED;
    const fetchers = createSubgraphFetchers();
    createGateway(fs.readFileSync(path.join(repoRoot, 'schema/supergraph.graphql'), 'utf8'), {}, fetchers);
    void fetchers.close();
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
  });
});
