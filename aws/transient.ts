import { TransientAwsError } from '../core/errors';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

interface AwsErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** Throttling and 5xx answers are worth retrying; the workflows retry `TransientAwsError` with backoff. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsErrorShape;
  if (e.name && THROTTLING.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
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
