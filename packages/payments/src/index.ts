export {
  PaymentError,
  isPaymentError,
  validatePaymentRequest,
  type PaymentOutcome,
  type PaymentProvider,
  type PaymentReceipt,
  type PaymentRequest,
} from './provider.ts';
export { HttpPaymentProvider, type HttpPaymentProviderOptions } from './http-provider.ts';
export {
  backoffDelay,
  isRetryablePaymentError,
  retryWithBackoff,
  type BackoffPolicy,
  type RetryOptions,
} from './retry.ts';
