import { z } from 'zod';
import {
  PaymentError,
  validatePaymentRequest,
  type PaymentOutcome,
  type PaymentProvider,
  type PaymentReceipt,
  type PaymentRequest,
} from './provider.ts';

export interface HttpPaymentProviderOptions {
  /** e.g. `http://127.0.0.1:4010`; the adapter POSTs to `<baseUrl>/payments`. */
  baseUrl: string;
  /** Per request; an answer later than this is a retryable failure (the payment may exist). */
  timeoutMs: number;
  /** Sent as `Authorization: Bearer <secret>` (the sandbox's ATES_PAYMENT_SANDBOX_SECRET). */
  secret?: string;
  /** Injectable for tests and instrumentation; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** The provider's answer to a payment (`201`, or the stored answer of an earlier request with the key). */
const paymentResponse = z.object({
  id: z.string().min(1),
  status: z.literal('PAID'),
  amountCents: z.number().int(),
  currency: z.literal('USD'),
  paidAt: z.string().datetime({ offset: true }),
});

const errorResponse = z.object({ error: z.string() }).partial();

/** The answer to `POST /payments/batch`: one result per payment, in order. */
const batchResponse = z.object({
  results: z.array(
    z.union([
      z.object({ idempotencyKey: z.string(), status: z.literal(201), payment: paymentResponse }),
      z.object({ idempotencyKey: z.string(), status: z.number().int(), error: z.string() }),
    ]),
  ),
});

/** Statuses that say "not now" rather than "never": the same request may succeed later. */
const RETRYABLE_STATUSES = new Set([408, 425, 429]);

const isRetryableStatus = (status: number) => status >= 500 || RETRYABLE_STATUSES.has(status);

async function reasonOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = errorResponse.safeParse(JSON.parse(text));
    if (parsed.success && parsed.data.error) return `HTTP ${response.status}: ${parsed.data.error}`;
  } catch {
    // Not JSON: the status and the start of the body say enough.
  }
  return `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

/**
 * The PaymentProvider over HTTP: `POST /payments` with an `Idempotency-Key` header. The
 * provider answers a repeated key with the first answer, so retrying after a timeout never
 * pays twice. Timeouts, network errors, 5xx, 408 and 429 are retryable; other 4xx are not.
 */
export class HttpPaymentProvider implements PaymentProvider {
  private readonly url: string;
  private readonly batchUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HttpPaymentProviderOptions) {
    this.url = new URL(
      'payments',
      options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`,
    ).href;
    this.batchUrl = `${this.url}/batch`;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async pay(request: PaymentRequest): Promise<PaymentReceipt> {
    validatePaymentRequest(request);
    const { idempotencyKey, ...body } = request;
    const { response, text } = await this.post(this.url, JSON.stringify(body), {
      'idempotency-key': idempotencyKey,
    });
    let parsed: z.infer<typeof paymentResponse>;
    try {
      parsed = paymentResponse.parse(JSON.parse(text));
    } catch {
      // A 2xx we cannot read: the payment may exist; retrying with the key reads it back.
      throw new PaymentError(true, `unreadable answer from provider: ${text.slice(0, 200)}`, response.status);
    }
    return receiptOf(request, parsed, response.status);
  }

  /**
   * `POST /payments/batch`: many payments in one request, each under its own idempotency key
   * (the provider answers each as `POST /payments` would). A request refused before sending
   * (invalid) is refused alone; a failure of the call fails all of them, retryably.
   */
  async payMany(requests: readonly PaymentRequest[]): Promise<PaymentOutcome[]> {
    const outcomes: (PaymentOutcome | undefined)[] = [];
    const sent: { index: number; request: PaymentRequest }[] = [];
    requests.forEach((request, index) => {
      try {
        validatePaymentRequest(request);
        sent.push({ index, request });
      } catch (error) {
        outcomes[index] = { ok: false, error: error as PaymentError };
      }
    });
    if (sent.length > 0) {
      const { response, text } = await this.post(
        this.batchUrl,
        JSON.stringify({ payments: sent.map(({ request }) => request) }),
      );
      let parsed: z.infer<typeof batchResponse>;
      try {
        parsed = batchResponse.parse(JSON.parse(text));
      } catch {
        throw new PaymentError(
          true,
          `unreadable answer from provider: ${text.slice(0, 200)}`,
          response.status,
        );
      }
      if (parsed.results.length !== sent.length)
        throw new PaymentError(true, `provider answered ${parsed.results.length} of ${sent.length} payments`);
      sent.forEach(({ index, request }, i) => {
        const result = parsed.results[i]!;
        if (result.idempotencyKey !== request.idempotencyKey) {
          outcomes[index] = {
            ok: false,
            error: new PaymentError(
              true,
              `provider answered key ${result.idempotencyKey} in place of ${request.idempotencyKey}`,
            ),
          };
        } else if ('payment' in result) {
          try {
            outcomes[index] = { ok: true, receipt: receiptOf(request, result.payment, result.status) };
          } catch (error) {
            outcomes[index] = { ok: false, error: error as PaymentError };
          }
        } else {
          outcomes[index] = {
            ok: false,
            error: new PaymentError(
              isRetryableStatus(result.status),
              `HTTP ${result.status}: ${result.error}`,
              result.status,
            ),
          };
        }
      });
    }
    return outcomes.map(
      (o, i) => o ?? { ok: false, error: new PaymentError(true, `no outcome for payment ${i}`) },
    );
  }

  private async post(
    url: string,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ response: Response; text: string }> {
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.secret ? { authorization: `Bearer ${this.options.secret}` } : {}),
          ...headers,
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (!response.ok) {
        const reason = await reasonOf(response);
        throw new PaymentError(isRetryableStatus(response.status), reason, response.status);
      }
      text = await response.text();
    } catch (error) {
      if (error instanceof PaymentError) throw error;
      const name = (error as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        throw new PaymentError(true, `no answer within ${this.options.timeoutMs} ms`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const detail =
        cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
      throw new PaymentError(true, `provider unreachable: ${detail}`);
    }
    return { response, text };
  }
}

/** The receipt of a confirmed payment; a confirmation for another amount is refused. */
function receiptOf(
  request: PaymentRequest,
  parsed: z.infer<typeof paymentResponse>,
  status: number,
): PaymentReceipt {
  if (parsed.amountCents !== request.amountCents) {
    // The key was used for another amount before: a bug upstream, not something a retry fixes.
    throw new PaymentError(
      false,
      `provider confirmed ${parsed.amountCents} cents for key ${request.idempotencyKey}, requested ${request.amountCents}`,
      status,
    );
  }
  return { status: 'PAID', providerPaymentId: parsed.id, paidAt: new Date(parsed.paidAt) };
}
