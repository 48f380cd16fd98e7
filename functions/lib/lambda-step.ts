// The two ways a handler is wired: as a workflow step, or as the target of a bus rule. Both parse their input
// with zod and fail with the handler's own error names, so Step Functions and Lambda's retries see them.

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
  return withPowertools(async (event: unknown): Promise<O> => {
    const input = parsed(schema, event, `${stepName}: invalid input`);
    logger.appendKeys({ step: stepName });
    const output = await step(input);
    // One count per completed step, by step: the dashboard's view of how far deployments get.
    metrics.addDimension('Step', stepName);
    metrics.addMetric('StepCompleted', MetricUnit.Count, 1);
    return output;
  });
}

/**
 * Wired like a workflow step, but for an asynchronous invoke by EventBridge: an event that does not parse
 * fails with `InvalidStepInput` (Lambda retries twice, then the function's on-failure destination keeps it),
 * any other error fails the invoke the same way, and no result goes anywhere but the log.
 */
export function eventHandler<S extends z.ZodType, O>(
  handlerName: string,
  schema: S,
  handle: (event: z.infer<S>, context: Context) => Promise<O>,
): LambdaStepHandler<O> {
  return withPowertools(async (event: unknown, context: Context): Promise<O> => {
    const parsedEvent = parsed(schema, event, `${handlerName}: invalid event`);
    logger.appendKeys({ step: handlerName });
    return handle(parsedEvent, context);
  });
}

function parsed<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidStepInput(`${what}\n${z.prettifyError(result.error)}`);
  return result.data;
}

function withPowertools<O>(run: (event: unknown, context: Context) => Promise<O>): LambdaStepHandler<O> {
  return middy(run)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics)) as unknown as LambdaStepHandler<O>;
}
