import fs from 'node:fs';
import {
  introspectionFromEnv,
  operationLimitsFromEnv,
  parseTrustedProxies,
  resolveJwtKeys,
  runService,
  wsLimitsFromEnv,
} from '@ates/service-kit';
import { loadGatewayEnv, subgraphCallPolicy, subgraphUrlOverrides } from './env.ts';
import { startGateway } from './service.ts';

const env = loadGatewayEnv();
await runService('gateway', env.LOG_LEVEL, (logger) => {
  const { publicKeyPem } = resolveJwtKeys({ publicKey: env.ATES_JWT_PUBLIC_KEY, dataDir: env.ATES_DATA_DIR });
  return startGateway({
    host: env.HOST,
    port: env.GATEWAY_PORT,
    supergraphSdl: fs.readFileSync(env.ATES_SUPERGRAPH_PATH, 'utf8'),
    urlOverrides: subgraphUrlOverrides(env),
    publicKeyPem,
    introspection: introspectionFromEnv(env),
    maxBodyBytes: env.ATES_MAX_BODY_BYTES,
    limits: operationLimitsFromEnv(env),
    ws: wsLimitsFromEnv(env),
    streams: { maxStreams: env.ATES_HTTP_STREAMS_MAX },
    maxResponseBytes: env.ATES_MAX_RESPONSE_BYTES,
    subgraphCalls: subgraphCallPolicy(env),
    logger,
    uiDir: env.ATES_UI_DIR,
    trustedProxies: parseTrustedProxies(env.ATES_TRUSTED_PROXIES),
    internalSecret: env.ATES_INTERNAL_SECRET,
    explorerDir: env.ATES_EXPLORER_DIR,
    natsUrl: env.NATS_URL,
    natsNamespace: env.ATES_NATS_NAMESPACE,
    trustedDocuments: { mode: env.ATES_TRUSTED_DOCUMENTS, dir: env.ATES_TRUSTED_DOCUMENTS_DIR },
    subscriptionDedup: env.ATES_SUBSCRIPTION_DEDUP,
    subscriptionSerialise: env.ATES_SUBSCRIPTION_SERIALISE,
  });
});
