import { runService } from '@ates/service-kit';
import { loadPaymentSandboxEnv } from './env.ts';
import { startPaymentSandbox } from './service.ts';

const env = loadPaymentSandboxEnv();
await runService('payment-sandbox', env.LOG_LEVEL, (logger) => {
  if (!env.ATES_PAYMENT_SANDBOX_SECRET)
    logger.warn(
      'ATES_PAYMENT_SANDBOX_SECRET not set: /payments and /_control answer anyone (development only)',
    );
  return startPaymentSandbox({
    host: env.HOST,
    port: env.PAYMENT_SANDBOX_PORT,
    databaseUrl: env.PAYMENT_SANDBOX_DATABASE_URL,
    logger,
    controlEnabled: env.PAYMENT_SANDBOX_CONTROL === 'true',
    secret: env.ATES_PAYMENT_SANDBOX_SECRET,
    faults: {
      failNext: env.PAYMENT_SANDBOX_FAIL_NEXT,
      failRate: env.PAYMENT_SANDBOX_FAIL_RATE,
      status: env.PAYMENT_SANDBOX_FAIL_STATUS,
      latencyMs: env.PAYMENT_SANDBOX_LATENCY_MS,
    },
  });
});
