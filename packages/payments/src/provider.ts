/**
 * The port through which accounting pays popugs. Amounts are integer cents; the currency is
 * USD only. A request carries an idempotency key (the payout id): the provider pays at most
 * once per key, so a request may be retried after any failure, including a timeout whose
 * outcome is unknown.
 */
export interface PaymentRequest {
  /** One key per payout; a retry of the same payout must reuse it. */
  idempotencyKey: string;
  accountId: string;
  userId: string;
  /** Positive integer cents. */
  amountCents: number;
  currency: 'USD';
  /** Shown on the popug's bank statement. */
  description: string;
}

export interface PaymentReceipt {
  status: 'PAID';
  /** The provider's id of the payment (the same on every retry with the same key). */
  providerPaymentId: string;
  paidAt: Date;
}

export interface PaymentProvider {
  /** Resolves when the provider confirms the payment; throws a PaymentError otherwise. */
  pay(request: PaymentRequest): Promise<PaymentReceipt>;
}

/**
 * The payment was not confirmed. `retryable`: the same request (same idempotency key) may
 * succeed later (timeout, network error, 5xx, 429), and may even have been paid already; the
 * retry tells. Not retryable: the provider refused the request itself (4xx), so repeating it
 * unchanged is pointless; an operator has to look.
 */
export class PaymentError extends Error {
  constructor(
    readonly retryable: boolean,
    readonly reason: string,
    /** The HTTP status, when the provider answered. */
    readonly status?: number,
  ) {
    super(`payment ${retryable ? 'failed (retryable)' : 'refused'}: ${reason}`);
    this.name = 'PaymentError';
  }
}

export function isPaymentError(error: unknown): error is PaymentError {
  return error instanceof PaymentError;
}

/** Checks what the adapter sends before anything leaves the process: no floats, no zero payouts. */
export function validatePaymentRequest(request: PaymentRequest): void {
  const problems: string[] = [];
  if (!request.idempotencyKey || request.idempotencyKey.length > 255)
    problems.push('idempotencyKey must be 1–255 characters');
  if (!Number.isSafeInteger(request.amountCents) || request.amountCents <= 0)
    problems.push(`amountCents must be a positive integer, got ${request.amountCents}`);
  if (request.currency !== 'USD') problems.push(`currency must be USD, got ${String(request.currency)}`);
  if (!request.accountId) problems.push('accountId is required');
  if (!request.userId) problems.push('userId is required');
  if (problems.length > 0) throw new PaymentError(false, `invalid payment request: ${problems.join('; ')}`);
}
