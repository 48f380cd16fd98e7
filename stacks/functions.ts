// One Lambda function per workflow step (stacks/steps.ts) and per trigger (stacks/triggered.ts).
import { logRetention, POWERTOOLS_ENVIRONMENT } from './config';
import type { OrchestratorNames } from './names';
import {
  type EnvironmentVariable,
  type FunctionSpec,
  functionEnvironment,
  functionPermissions,
  type GrantScope,
  handlerOf,
  STEP_FUNCTIONS,
  type StepFunctionId,
} from './steps';
import {
  FUNCTION_ASYNC_RETRY,
  failureDestinationPermission,
  TRIGGERED_FUNCTIONS,
  type TriggeredFunctionId,
  timeoutOf,
} from './triggered';

export type StepFunctions = Record<StepFunctionId, sst.aws.Function>;
export type TriggeredFunctions = Record<TriggeredFunctionId, sst.aws.Function>;

/** The value of every environment variable a function may declare (stacks/steps.ts ENVIRONMENT_VARIABLES). */
export type EnvironmentValues = Partial<Record<EnvironmentVariable, $util.Input<string>>>;

/** The tools account and region this stage deploys to, the deploy role the steps may assume, and the names. */
export function grantScope(deployRole: string, names: OrchestratorNames): $util.Output<GrantScope> {
  return $resolve({
    partition: aws.getPartitionOutput().partition,
    account: aws.getCallerIdentityOutput().accountId,
    region: aws.getRegionOutput().region,
  }).apply((where): GrantScope => ({ ...where, deployRole, names }));
}

interface Deployment {
  scope: $util.Output<GrantScope>;
  environment: EnvironmentValues;
  /** Files each function that reads the deployment map carries (stacks/names.ts mapBundle). */
  mapBundle: string[];
}

function createFunction(
  spec: FunctionSpec,
  { scope, environment, mapBundle }: Deployment,
  extra: {
    timeout: '10 seconds' | '30 seconds' | '2 minutes';
    /** Its role's statements; by default functionPermissions(spec). */
    permissions?: $util.Output<{ actions: string[]; resources: string[] }[]>;
  },
): sst.aws.Function {
  const readsMap = spec.environment.includes('CROSSDEPLOY_MAP_FILE');
  return new sst.aws.Function(`${spec.id}Function`, {
    handler: handlerOf(spec),
    description: spec.description,
    runtime: 'nodejs22.x',
    architecture: 'arm64',
    memory: '512 MB',
    timeout: extra.timeout,
    environment: { ...POWERTOOLS_ENVIRONMENT, ...functionEnvironment(spec, environment) },
    copyFiles: readsMap ? mapBundle.map((from) => ({ from })) : undefined,
    logging: { retention: logRetention($app.stage).name },
    permissions: extra.permissions ?? scope.apply((resolved) => functionPermissions(spec, resolved)),
    transform: { function: { tracingConfig: { mode: 'Active' } } },
  });
}

export function createStepFunctions(deployment: Deployment): StepFunctions {
  const functions: Partial<StepFunctions> = {};
  for (const spec of STEP_FUNCTIONS) {
    // 30 s fits the slowest usual step, a bake check (DescribeAlarms, DescribeServices, a 5 s probe); a step whose
    // work grows with the targets says its own.
    const timeout = (spec as FunctionSpec).timeout ?? '30 seconds';
    functions[spec.id] = createFunction(spec, deployment, { timeout });
  }
  return functions as StepFunctions;
}

/**
 * The functions behind the HTTP API and the bus rules. A rule target is invoked asynchronously: Lambda retries
 * a failed event twice, then sends it to `deadLetters[id]`, the queue that also takes what EventBridge could
 * not deliver (stacks/events.ts).
 */
export function createTriggeredFunctions(
  deployment: Deployment,
  deadLetters: Partial<Record<TriggeredFunctionId, aws.sqs.Queue>>,
): TriggeredFunctions {
  const functions: Partial<TriggeredFunctions> = {};
  for (const spec of TRIGGERED_FUNCTIONS) {
    const queue = deadLetters[spec.id];
    if (spec.trigger.kind === 'rule' && !queue)
      throw new Error(`${spec.id} is a rule target without a dead-letter queue`);
    const fn = createFunction(spec, deployment, {
      timeout: timeoutOf(spec),
      permissions: queue
        ? $resolve({ resolved: deployment.scope, arn: queue.arn }).apply(({ resolved, arn }) => [
            ...functionPermissions(spec, resolved),
            failureDestinationPermission(arn),
          ])
        : undefined,
    });
    if (queue) {
      new aws.lambda.FunctionEventInvokeConfig(`${spec.id}AsyncInvoke`, {
        functionName: fn.name,
        ...FUNCTION_ASYNC_RETRY,
        destinationConfig: { onFailure: { destination: queue.arn } },
      });
    }
    functions[spec.id] = fn;
  }
  return functions as TriggeredFunctions;
}
