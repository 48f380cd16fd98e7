import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { InvalidStepInput } from '../../core/errors';
import { logger, metrics, tracer } from './powertools';

export type LambdaStepHandler<O> = (event: unknown, context: Context) => Promise<O>;

/**
 * Wires one workflow step as a Lambda handler: Powertools context, tracing and metrics around
 * "parse the state input with zod, run the step". No error middleware: a Step Functions task must
 * fail with the step's own error `name`, which is what the state machine's Retry and Catch match.
 */
export function lambdaStep<S extends z.ZodType, O>(
  stepName: string,
  schema: S,
  step: (input: z.infer<S>) => Promise<O>,
): LambdaStepHandler<O> {
  const run = async (event: unknown): Promise<O> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      throw new InvalidStepInput(`${stepName}: invalid input\n${z.prettifyError(parsed.error)}`);
    }
    logger.appendKeys({ step: stepName });
    const output = await step(parsed.data);
    // One count per completed step, by step: the dashboard's view of how far deployments get.
    metrics.addDimension('Step', stepName);
    metrics.addMetric('StepCompleted', MetricUnit.Count, 1);
    return output;
  };
  return middy(run)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics)) as unknown as LambdaStepHandler<O>;
}
