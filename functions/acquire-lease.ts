import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { acquireLease, type DocumentClient, type HolderRunning } from '../aws/lease';
import { settings } from '../aws/settings';
import { awsCall } from '../aws/transient';
import { executionArnIn } from '../stacks/arns';
import { sharedDocumentClient, sharedSfnClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  lease: z.string().min(1),
  holder: z.string().min(1),
});

/** Step Functions as far as describing an execution goes; SFNClient is one. */
export interface DescribesExecutions {
  send(command: DescribeExecutionCommand): Promise<{ status?: string }>;
}

/**
 * A holder is a pipeline execution of this stage: it runs until DescribeExecution says otherwise. One that
 * DescribeExecution no longer finds (past the retention of a closed execution) ended long ago.
 */
export function pipelineRunning(sfn: DescribesExecutions, pipelineArn: string): HolderRunning {
  return async (holder) => {
    const executionArn = executionArnIn(pipelineArn, holder);
    try {
      const { status } = await awsCall(`states:DescribeExecution ${executionArn}`, () =>
        sfn.send(new DescribeExecutionCommand({ executionArn })),
      );
      return status === 'RUNNING';
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') return false;
      throw error;
    }
  };
}

/** At most one deployment mutates a service × environment at a time; a held lease fails with `LeaseHeld`. */
export async function takeLease(
  event: z.infer<typeof input>,
  db: DocumentClient = sharedDocumentClient(),
  now: () => Date = () => new Date(),
  stillRunning: HolderRunning = pipelineRunning(sharedSfnClient(), settings.pipelineStateMachineArn()),
) {
  const { tookOverFrom } = await acquireLease(settings.leasesTable(), event, db, now(), stillRunning);
  if (tookOverFrom) {
    logger.info('deployment lease taken over from a pipeline that had ended', { lease: event.lease, tookOverFrom });
  }
  logger.info('deployment lease acquired', { lease: event.lease, holder: event.holder });
  return { lease: event.lease, holder: event.holder };
}

export const handler = lambdaStep('acquire-lease', input, (event) => takeLease(event));
