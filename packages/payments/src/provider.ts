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

/** The outcome of one payment of a batch. */
export type PaymentOutcome = { ok: true; receipt: PaymentReceipt } | { ok: false; error: PaymentError };

export interface PaymentProvider {
  /** Resolves when the provider confirms the payment; throws a PaymentError otherwise. */
  pay(request: PaymentRequest): Promise<PaymentReceipt>;
  /**
   * Optional: many payments in one call, each under its own idempotency key, with one outcome
   * per request in order (each as `pay` would end). Throws a PaymentError when the call as a
   * whole fails: then any of them may or may not be paid, and retrying each with its key tells.
   */
  payMany?(requests: readonly PaymentRequest[]): Promise<PaymentOutcome[]>;
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
