import fs from 'node:fs';
import path from 'node:path';
import { createLogger, repoRoot } from '@ates/service-kit';
import { startGateway, type GatewayService } from '@ates/gateway';
import { startUsersService, type UsersService } from '@ates/users';
import {
  createTestDatabase,
  generateTestKeys,
  GraphQLClient,
  ops,
  type TestDatabase,
  type TestKeys,
} from '@ates/testing';

export const ADMIN = { login: 'admin', password: 'admin-password-1' };

export interface TestSystem {
  gateway: GatewayService;
  users: UsersService;
  keys: TestKeys;
  /** Anonymous client of the gateway. */
  client: GraphQLClient;
  /** Logs in through the gateway and returns a client holding the token. */
  logIn(login: string, password: string): Promise<GraphQLClient>;
  admin(): Promise<GraphQLClient>;
  stop(): Promise<void>;
}

const logger = () => createLogger({ service: 'test', level: process.env.ATES_TEST_LOG_LEVEL ?? 'silent' });

/**
 * The real system in this test process: every subgraph and the gateway on ephemeral ports,
 * each service with its own fresh database, talking HTTP exactly as in production.
 */
export async function startSystem(label: string): Promise<TestSystem> {
  const keys = generateTestKeys();
  const databases: TestDatabase[] = [];
  const usersDb = await createTestDatabase(`${label}_users`);
  databases.push(usersDb);
  const users = await startUsersService({
    host: '127.0.0.1',
    port: 0,
    databaseUrl: usersDb.url,
    privateKeyPem: keys.privateKeyPem,
    publicKeyPem: keys.publicKeyPem,
    tokenTtlSeconds: 3600,
    passwordCost: 12,
    adminSeed: { ...ADMIN, email: 'admin@ates.test', name: 'Admin' },
    introspection: true,
    maxBodyBytes: 1_000_000,
    logger: logger(),
  });
  const gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    supergraphSdl: fs.readFileSync(path.join(repoRoot, 'schema/supergraph.graphql'), 'utf8'),
    urlOverrides: { users: users.url },
    publicKeyPem: keys.publicKeyPem,
    introspection: true,
    maxBodyBytes: 1_000_000,
    limits: { maxDepth: 12, maxFields: 1000, maxAliases: 50 },
    logger: logger(),
  });
  const client = new GraphQLClient(gateway.url);
  const logIn = async (login: string, password: string) => {
    const data = await client.ok(ops.LogInDocument, { login, password });
    return client.withToken(data.logIn.token);
  };
  return {
    gateway,
    users,
    keys,
    client,
    logIn,
    admin: () => logIn(ADMIN.login, ADMIN.password),
    stop: async () => {
      await gateway.stop();
      await users.stop();
      for (const db of databases) await db.drop();
    },
  };
}
