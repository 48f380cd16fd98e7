// A Step Functions failure arrives wrapped: a nested execution's DescribeExecution in the Cause of a
// `startExecution.sync:2` task, a Lambda's `{errorType, errorMessage}`, several levels deep. Operators need the
// innermost error and cause, which the wave verdicts, the notices and the timelines all report.

const MAX_NESTING = 16;

/** The innermost error and cause of a failure, every wrapper (nested execution, Lambda) peeled off. */
export function innermostFailure(
  error: string | null | undefined,
  cause: string | null | undefined,
): { error: string | null; cause: string | null } {
  let current = { error: text(error), cause: text(cause) };
  for (let depth = 0; depth < MAX_NESTING; depth++) {
    const parsed = jsonObject(current.cause);
    if (parsed === undefined) break;
    const innerError = text(parsed.Error ?? parsed.error ?? parsed.errorType);
    const innerCause = text(parsed.Cause ?? parsed.cause ?? parsed.errorMessage);
    if (innerError === null && innerCause === null) {
      // An aborted or timed-out child execution has a status and no error.
      const status = text(parsed.Status ?? parsed.status);
      if (status !== null) current = { error: current.error, cause: `a nested execution ended ${status}` };
      break;
    }
    current = { error: innerError ?? current.error, cause: innerCause };
  }
  return current;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function jsonObject(value: string | null): Record<string, unknown> | undefined {
  if (value === null || !value.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
