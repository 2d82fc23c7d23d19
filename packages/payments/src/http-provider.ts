import { z } from 'zod';
import {
  PaymentError,
  validatePaymentRequest,
  type PaymentProvider,
  type PaymentReceipt,
  type PaymentRequest,
} from './provider.ts';

export interface HttpPaymentProviderOptions {
  /** e.g. `http://127.0.0.1:4010`; the adapter POSTs to `<baseUrl>/payments`. */
  baseUrl: string;
  /** Per request; an answer later than this is a retryable failure (the payment may exist). */
  timeoutMs: number;
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
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HttpPaymentProviderOptions) {
    this.url = new URL(
      'payments',
      options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`,
    ).href;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async pay(request: PaymentRequest): Promise<PaymentReceipt> {
    validatePaymentRequest(request);
    const { idempotencyKey, ...body } = request;
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
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
    let parsed: z.infer<typeof paymentResponse>;
    try {
      parsed = paymentResponse.parse(JSON.parse(text));
    } catch {
      // A 2xx we cannot read: the payment may exist; retrying with the key reads it back.
      throw new PaymentError(true, `unreadable answer from provider: ${text.slice(0, 200)}`, response.status);
    }
    if (parsed.amountCents !== request.amountCents) {
      // The key was used for another amount before: a bug upstream, not something a retry fixes.
      throw new PaymentError(
        false,
        `provider confirmed ${parsed.amountCents} cents for key ${idempotencyKey}, requested ${request.amountCents}`,
        response.status,
      );
    }
    return { status: 'PAID', providerPaymentId: parsed.id, paidAt: new Date(parsed.paidAt) };
  }
}
