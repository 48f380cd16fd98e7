import type { SFNClient } from '@aws-sdk/client-sfn';
import { realSleep, type Sleep, waitForExecution } from '../aws/operator';
import type { CliIo } from './io';

/** The options of a command that starts a pipeline: `--wait` follows it to its end, `--json` prints the report. */
export const FOLLOW_OPTIONS = {
  wait: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/**
 * What rollback and redeploy do once their pipeline started: follow it with `--wait`, then print the report
 * as JSON or the failure in words. Exit 0 while it runs or once it succeeded, 1 otherwise.
 */
export async function followStartedPipeline(
  report: { executionArn: string; status: string },
  { wait, json }: { wait: boolean; json: boolean },
  options: { sfn: Pick<SFNClient, 'send'>; sleep?: Sleep | undefined; io: CliIo },
): Promise<number> {
  const { io } = options;
  if (wait) {
    let last: string | undefined;
    const done = await waitForExecution(options.sfn, report.executionArn, {
      sleep: options.sleep ?? realSleep,
      intervalMs: 5000,
      // Each status once: a pipeline that waits hours for its approver should not print a line per check.
      onCheck: (status) => {
        if (json || status === last) return;
        last = status;
        io.out(`  ${status}`);
      },
    });
    report.status = done.status ?? 'UNKNOWN';
    if (!json && done.status !== 'SUCCEEDED') io.out(`  ${done.error ?? ''}: ${done.cause ?? ''}`);
  }
  if (json) io.out(JSON.stringify(report, null, 2));
  return report.status === 'RUNNING' || report.status === 'SUCCEEDED' ? 0 : 1;
}
