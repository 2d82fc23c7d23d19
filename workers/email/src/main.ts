import { runService } from '@ates/service-kit';
import { loadEmailWorkerEnv } from './env.ts';
import { graphqlUserDirectory } from './recipients/user-directory.ts';
import { startEmailWorker } from './service.ts';

const env = loadEmailWorkerEnv();
await runService('email', env.LOG_LEVEL, (logger) =>
  startEmailWorker({
    host: env.HOST,
    port: env.EMAIL_WORKER_PORT,
    databaseUrl: env.EMAIL_DATABASE_URL,
    natsUrl: env.NATS_URL,
    natsNamespace: env.ATES_NATS_NAMESPACE,
    streamReplicas: env.ATES_NATS_STREAM_REPLICAS,
    smtpUrl: env.SMTP_URL,
    smtpTimeoutMs: env.EMAIL_SMTP_TIMEOUT_MS,
    mailDir: env.EMAIL_MAIL_DIR,
    from: env.EMAIL_FROM,
    directory:
      env.EMAIL_USERS_URL && env.EMAIL_USERS_TOKEN
        ? graphqlUserDirectory({ url: env.EMAIL_USERS_URL, token: env.EMAIL_USERS_TOKEN, timeoutMs: 5000 })
        : undefined,
    maxDeliver: env.EMAIL_MAX_DELIVER,
    logger,
  }),
);
