import { TransientAwsError } from '../core/errors';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

// A connection that broke before any answer came: the SDK names these TimeoutError once its own retries are spent
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
const BROKEN_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

interface AwsErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/**
 * Throttling, 5xx answers and connections that broke before an answer are worth retrying; the workflows retry
 * `TransientAwsError` with backoff.
 */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsErrorShape;
  if (e.name && THROTTLING.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return e.name === 'TimeoutError' || (e.code !== undefined && BROKEN_CONNECTION.has(e.code));
  return status >= 500;
}

/**
 * Runs one AWS call and turns transient failures into `TransientAwsError`, naming the call and where it went,
 * so the Retry in the state machine matches it and the history says what was throttled.
 */
export async function awsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransient(error)) {
      const e = error as Error;
      throw new TransientAwsError(`${what}: ${e.name}: ${e.message}`, { cause: error });
    }
    throw error;
  }
}
