import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody, sendJson, type Clock, type Logger } from '@ates/service-kit';
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
  ready(): Promise<void>;
}

async function readJson(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes = MAX_BODY_BYTES,
): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    const text = await readBody(req, maxBytes);
    return { ok: true, value: text === '' ? {} : JSON.parse(text) };
  } catch (error) {
    if (error instanceof BodyTooLargeError) sendJson(res, 413, { error: `body exceeds ${maxBytes} bytes` });
    else sendJson(res, 400, { error: 'body is not valid JSON' });
    return { ok: false };
  }
}

async function postPayment(deps: RouteDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    sendJson(res, 400, { error: 'an Idempotency-Key header (1–255 printable ASCII characters) is required' });
    return;
  }
  const json = await readJson(req, res);
  if (!json.ok) return;
  const body = paymentBody.safeParse(json.value);
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
  if (outcome.kind === 'replayed') res.setHeader('idempotent-replayed', 'true');
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
async function postPaymentBatch(deps: RouteDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const json = await readJson(req, res, MAX_BATCH_BODY_BYTES);
  if (!json.ok) return;
  const batch = batchBody.safeParse(json.value);
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

async function control(deps: RouteDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!deps.controlEnabled) return sendJson(res, 404, { error: 'not found' });
  if (req.method === 'GET') return sendJson(res, 200, deps.faults.settings());
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'GET or POST' });
  const json = await readJson(req, res);
  if (!json.ok) return;
  const patch = faultPatch.safeParse(json.value);
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

/**
 * `POST /payments` (Idempotency-Key header), `POST /payments/batch`, `GET /payments?accountId=&userId=&idempotencyKey=`,
 * `GET /payments/:id`, `GET|POST /_control`, `/healthz`, `/readyz`.
 */
const digest = (text: string) => createHash('sha256').update(text).digest();

/** The caller knows the sandbox's secret (compared in constant time). */
function authorized(deps: RouteDeps, req: IncomingMessage): boolean {
  if (deps.secret === undefined) return true;
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(deps.secret));
}

export function createRouter(deps: RouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      try {
        await deps.ready();
        return sendJson(res, 200, { status: 'ready' });
      } catch (error) {
        return sendJson(res, 503, {
          status: 'not ready',
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (
      (path === '/_control' || path === '/payments' || path.startsWith('/payments/')) &&
      !authorized(deps, req)
    )
      return sendJson(res, 401, { error: 'Authorization: Bearer <ATES_PAYMENT_SANDBOX_SECRET> is required' });
    if (path === '/_control') return control(deps, req, res);
    if (path === '/payments/batch') {
      if (method !== 'POST') return sendJson(res, 405, { error: 'POST' });
      return postPaymentBatch(deps, req, res);
    }
    if (path === '/payments') {
      if (method === 'POST') return postPayment(deps, req, res);
      if (method !== 'GET') return sendJson(res, 405, { error: 'GET or POST' });
      const filter = {
        accountId: url.searchParams.get('accountId') ?? undefined,
        userId: url.searchParams.get('userId') ?? undefined,
        idempotencyKey: url.searchParams.get('idempotencyKey') ?? undefined,
      };
      return sendJson(res, 200, { payments: await listPayments(deps.db, filter) });
    }
    const match = /^\/payments\/([^/]+)$/.exec(path);
    if (match && method === 'GET') {
      const payment = await getPayment(deps.db, decodeURIComponent(match[1] ?? ''));
      return payment ? sendJson(res, 200, payment) : sendJson(res, 404, { error: 'no such payment' });
    }
    sendJson(res, 404, { error: 'not found' });
  };
}
