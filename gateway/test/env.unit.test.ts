import { describe, expect, it } from 'vitest';
import { loadGatewayEnv, subgraphCallPolicy, subgraphUrlOverrides } from '../src/env.ts';

describe("the gateway's per-subgraph settings", () => {
  const env = loadGatewayEnv({
    ATES_TASKS_URL: 'http://tasks.internal:4002/graphql',
    ATES_ACCOUNTING_DEADLINE_MS: '2500',
  });

  it('overrides the URL of each subgraph whose ATES_<NAME>_URL is set, and only those', () => {
    expect(subgraphUrlOverrides(env)).toEqual({ tasks: 'http://tasks.internal:4002/graphql' });
  });

  it('gives a subgraph its own deadline over the default', () => {
    const policy = subgraphCallPolicy(env);
    expect(policy.overrides).toEqual({ accounting: { deadlineMs: 2500 } });
    expect(policy.defaults.deadlineMs).toBe(env.ATES_SUBGRAPH_DEADLINE_MS);
  });
});
