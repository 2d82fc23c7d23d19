import { createHash, timingSafeEqual } from 'node:crypto';
import {
  httpErrorCodes,
  type Clock,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type Logger,
} from '@ates/service-kit';
import { faultPatch, type Faults } from './faults.ts';
import {
  batchBody,
  getPayment,
  IDEMPOTENCY_KEY,
  listPayments,
  MAX_BATCH,
  pay,
  payMany,
  paymentBody,
  type PaymentBody,
  type SandboxDb,
} from './db/payments.ts';

const MAX_BODY_BYTES = 64 * 1024;
/** A batch of MAX_BATCH payments fits (~300 bytes each). */
const MAX_BATCH_BODY_BYTES = 1024 * 1024;

export interface RouteDeps {
  db: SandboxDb;
  clock: Clock;
  faults: Faults;
  controlEnabled: boolean;
  /** Required as `Authorization: Bearer <secret>` on /payments and /_control; unset (development) opens them. */
  secret?: string;
  logger: Logger;
  /** Waits `ms`, or less when the sandbox stops (a slow answer must not hold up shutdown). */
  delay(ms: number): Promise<void>;
}

const sendJson = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).send(body);

async function postPayment(deps: RouteDeps, req: FastifyRequest, res: FastifyReply): Promise<void> {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    sendJson(res, 400, { error: 'an Idempotency-Key header (1–255 printable ASCII characters) is required' });
    return;
  }
  const body = paymentBody.safeParse(req.body);
  if (!body.success) {
    sendJson(res, 422, {
      error: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
    return;
  }
  const failure = deps.faults.nextFailure();
  if (failure !== undefined) {
    deps.logger.info({ idempotencyKey: key, status: failure }, 'injected failure');
    sendJson(res, failure, { error: `injected failure (${failure})` });
    return;
  }
  const outcome = await pay(deps.db, deps.clock, key, body.data);
  if (outcome.kind === 'key-reused') {
    sendJson(res, 409, {
      error: 'Idempotency-Key was already used for a different payment',
      payment: outcome.payment,
    });
    return;
  }
  if (outcome.kind === 'paid') {
    deps.logger.info(
      { paymentId: outcome.payment.id, idempotencyKey: key, amountCents: outcome.payment.amountCents },
      'payment made',
    );
  }
  const { latencyMs } = deps.faults.settings();
  if (latencyMs > 0) await deps.delay(latencyMs);
  if (outcome.kind === 'replayed') res.header('idempotent-replayed', 'true');
  sendJson(res, 201, outcome.payment);
}

/** One answer per payment of a batch, in its order: `status` is what `POST /payments` would answer. */
type BatchAnswer =
  | { idempotencyKey: string; status: 201; replayed: boolean; payment: object }
  | { idempotencyKey: string; status: 409 | 422; error: string; payment?: object };

/**
 * `POST /payments/batch` `{ payments: [{ idempotencyKey, accountId, userId, amountCents,
 * currency, description }] }` (at most MAX_BATCH): 200 with `{ results }`, one per payment in
 * order, each as `POST /payments` would answer it. An injected failure fails the whole batch.
 */
async function postPaymentBatch(deps: RouteDeps, req: FastifyRequest, res: FastifyReply): Promise<void> {
  const batch = batchBody.safeParse(req.body);
  if (!batch.success) {
    sendJson(res, 422, {
      error: `a batch is { payments: [1–${MAX_BATCH} payments, each with an idempotencyKey] }: ${batch.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    });
    return;
  }
  const failure = deps.faults.nextFailure();
  if (failure !== undefined) {
    deps.logger.info({ payments: batch.data.payments.length, status: failure }, 'injected failure (batch)');
    sendJson(res, failure, { error: `injected failure (${failure})` });
    return;
  }
  const results: (BatchAnswer | undefined)[] = [];
  const valid: { index: number; key: string; body: PaymentBody }[] = [];
  batch.data.payments.forEach(({ idempotencyKey, ...rest }, index) => {
    const body = paymentBody.safeParse(rest);
    if (body.success) valid.push({ index, key: idempotencyKey, body: body.data });
    else
      results[index] = {
        idempotencyKey,
        status: 422,
        error: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      };
  });
  const outcomes = await payMany(deps.db, deps.clock, valid);
  outcomes.forEach((outcome, i) => {
    const { index, key } = valid[i]!;
    results[index] =
      outcome.kind === 'key-reused'
        ? {
            idempotencyKey: key,
            status: 409,
            error: 'Idempotency-Key was already used for a different payment',
            payment: outcome.payment,
          }
        : {
            idempotencyKey: key,
            status: 201,
            replayed: outcome.kind === 'replayed',
            payment: outcome.payment,
          };
  });
  const paid = outcomes.filter((o) => o.kind === 'paid').length;
  if (paid > 0) deps.logger.info({ payments: paid }, 'payments made (batch)');
  const { latencyMs } = deps.faults.settings();
  if (latencyMs > 0) await deps.delay(latencyMs);
  sendJson(res, 200, { results });
}

async function control(deps: RouteDeps, req: FastifyRequest, res: FastifyReply): Promise<void> {
  const patch = faultPatch.safeParse(req.body);
  if (!patch.success) {
    sendJson(res, 422, {
      error: patch.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
    return;
  }
  const settings = deps.faults.update(patch.data);
  deps.logger.info({ faults: settings }, 'fault settings changed');
  sendJson(res, 200, settings);
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The caller knows the sandbox's secret (compared in constant time). */
function authorized(deps: RouteDeps, req: FastifyRequest): boolean {
  if (deps.secret === undefined) return true;
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(deps.secret));
}

/**
 * `POST /payments` (Idempotency-Key header), `POST /payments/batch`, `GET /payments?accountId=&userId=&idempotencyKey=`,
 * `GET /payments/:id`, `GET|POST /_control` (when enabled). Bodies are JSON whatever their
 * content type (an empty one is `{}`); the secret is checked before a body is read.
 */
export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  void app.register(async (api) => {
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', { parseAs: 'string' }, (_req, text, done) => {
      try {
        done(null, text === '' ? {} : (JSON.parse(text as string) as unknown));
      } catch {
        done(new httpErrorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined);
      }
    });
    api.addHook('onRequest', async (req, res) => {
      if (!authorized(deps, req))
        return sendJson(res, 401, {
          error: 'Authorization: Bearer <ATES_PAYMENT_SANDBOX_SECRET> is required',
        });
    });
    const wrongMethod = (allowed: string) => async (_req: FastifyRequest, res: FastifyReply) =>
      sendJson(res, 405, { error: allowed });
    api.post('/payments', { bodyLimit: MAX_BODY_BYTES }, (req, res) => postPayment(deps, req, res));
    api.get('/payments', async (req) => {
      const query = req.query as Record<string, string | undefined>;
      const filter = {
        accountId: typeof query.accountId === 'string' ? query.accountId : undefined,
        userId: typeof query.userId === 'string' ? query.userId : undefined,
        idempotencyKey: typeof query.idempotencyKey === 'string' ? query.idempotencyKey : undefined,
      };
      return { payments: await listPayments(deps.db, filter) };
    });
    api.route({ method: ['PUT', 'PATCH', 'DELETE'], url: '/payments', handler: wrongMethod('GET or POST') });
    api.post('/payments/batch', { bodyLimit: MAX_BATCH_BODY_BYTES }, (req, res) =>
      postPaymentBatch(deps, req, res),
    );
    api.get('/payments/batch', wrongMethod('POST'));
    api.get('/payments/:id', async (req, res) => {
      const payment = await getPayment(deps.db, (req.params as { id: string }).id);
      return payment ? sendJson(res, 200, payment) : sendJson(res, 404, { error: 'no such payment' });
    });
    if (deps.controlEnabled) {
      api.get('/_control', async () => deps.faults.settings());
      api.post('/_control', { bodyLimit: MAX_BODY_BYTES }, (req, res) => control(deps, req, res));
      api.route({
        method: ['PUT', 'PATCH', 'DELETE'],
        url: '/_control',
        handler: wrongMethod('GET or POST'),
      });
    }
  });
}
