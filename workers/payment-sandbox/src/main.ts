import { createLogger, exitOnStartupError, onShutdown } from '@ates/service-kit';
import { loadPaymentSandboxEnv } from './env.ts';
import { startPaymentSandbox } from './service.ts';

const env = loadPaymentSandboxEnv();
const logger = createLogger({ service: 'payment-sandbox', level: env.LOG_LEVEL });

try {
  const sandbox = await startPaymentSandbox({
    host: env.HOST,
    port: env.PAYMENT_SANDBOX_PORT,
    databaseUrl: env.PAYMENT_SANDBOX_DATABASE_URL,
    logger,
    controlEnabled: env.PAYMENT_SANDBOX_CONTROL === 'true',
    faults: {
      failNext: env.PAYMENT_SANDBOX_FAIL_NEXT,
      failRate: env.PAYMENT_SANDBOX_FAIL_RATE,
      status: env.PAYMENT_SANDBOX_FAIL_STATUS,
      latencyMs: env.PAYMENT_SANDBOX_LATENCY_MS,
    },
  });
  onShutdown(logger, [sandbox.stop]);
} catch (error) {
  exitOnStartupError(logger, error);
}
