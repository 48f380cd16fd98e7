// One Lambda function per workflow step, deployed from the table in stacks/steps.ts.
import { logRetention, POWERTOOLS_ENVIRONMENT } from './config';
import { functionPermissions, type GrantScope, handlerOf, STEP_FUNCTIONS, type StepFunctionId } from './steps';

export type StepFunctions = Record<StepFunctionId, sst.aws.Function>;

/** The tools account and region this stage deploys to, and the deploy role the steps may assume. */
export function grantScope(deployRole: string): $util.Output<GrantScope> {
  return $resolve({
    partition: aws.getPartitionOutput().partition,
    account: aws.getCallerIdentityOutput().accountId,
    region: aws.getRegionOutput().region,
    deployRole,
  });
}

export function createStepFunctions(scope: $util.Output<GrantScope>): StepFunctions {
  const retention = logRetention($app.stage);
  const functions: Partial<StepFunctions> = {};
  for (const spec of STEP_FUNCTIONS) {
    functions[spec.id] = new sst.aws.Function(`${spec.id}Function`, {
      handler: handlerOf(spec),
      description: spec.description,
      runtime: 'nodejs22.x',
      architecture: 'arm64',
      memory: '512 MB',
      // The slowest step is a bake check: DescribeAlarms, DescribeServices and a 5 s probe in parallel.
      timeout: '30 seconds',
      environment: { ...POWERTOOLS_ENVIRONMENT },
      logging: { retention: retention.name },
      permissions: scope.apply((resolved) => functionPermissions(spec, resolved)),
      transform: { function: { tracingConfig: { mode: 'Active' } } },
    });
  }
  return functions as StepFunctions;
}
