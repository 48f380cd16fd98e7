// The target-account template (stacks/target-account.yaml) in every account of the OUs the map names, through a
// service-managed StackSet: Organizations creates the execution roles, and accounts added to those OUs later
// are bootstrapped without anyone running anything.

import { parameterProblems, parseTemplate } from '../core/iam/cfn-template';
import {
  BOOTSTRAP_DEFAULTS,
  type BootstrapSettings,
  bootstrapProblems,
  type OrchestratorSide,
  orchestratorRoleNamePattern,
  targetAccountParameters,
} from '../core/iam/target-account';
import type { DeploymentMap } from '../core/map/schema';
import { stageName } from './config';
import { resourceIds } from './names';
import { busOrganizationId } from './policies';
import { ASSUME_DEPLOY_ROLE, type FunctionSpec, STEP_FUNCTIONS } from './steps';
import { TRIGGERED_FUNCTIONS } from './triggered';

export { type BootstrapSettings, readTargetAccountTemplate } from '../core/iam/target-account';

export interface TargetBootstrapArgs {
  /** The map's `bootstrap` key. */
  settings: BootstrapSettings;
  /** What bootstrapProblems holds the settings against. */
  map: Pick<DeploymentMap, 'services' | 'environments' | 'ecr'>;
  /** The tools account, the map's deploy role and the stage's bus; the trusted role names follow from the stage. */
  orchestrator: Omit<OrchestratorSide<$util.Input<string>>, 'roleNamePattern'>;
}

export interface TargetBootstrap {
  stackSet: aws.cloudformation.StackSet;
  instances: aws.cloudformation.StackSetInstance[];
}

export function createTargetBootstrap(templateBody: string, args: TargetBootstrapArgs): TargetBootstrap {
  const { settings, map } = args;
  // Only this stage's functions that assume the deploy role, by the names SST gives their roles
  // (test/stacks/role-names.test.ts holds this against SST's own naming code).
  const functions: readonly FunctionSpec[] = [...STEP_FUNCTIONS, ...TRIGGERED_FUNCTIONS];
  const assumers = functions.filter((spec) => spec.grants.includes(ASSUME_DEPLOY_ROLE));
  const roleNamePattern = orchestratorRoleNamePattern(
    $app.name,
    $app.stage,
    assumers.map((spec) => spec.id),
  );
  const orchestrator = { ...args.orchestrator, roleNamePattern };
  const organizationId = busOrganizationId({ bootstrap: settings, ecr: map.ecr }) ?? '';
  const parameters = targetAccountParameters(settings, organizationId, orchestrator);
  // Known now, the bus ARN only once it exists: checked against the template with a well-formed stand-in,
  // so a bad prefix or pattern stops `sst deploy` here rather than failing in every account.
  const known = { ...parameters, OrchestratorEventBusArn: 'arn:aws:events:us-east-1:111111111111:event-bus/check' };
  const problems = [
    ...bootstrapProblems(settings, map),
    ...parameterProblems(parseTemplate(templateBody), known as Record<string, string>).map((p) => `bootstrap: ${p}`),
  ];
  if (problems.length > 0) throw new Error(problems.join('\n'));

  const callAs = settings.callAs ?? BOOTSTRAP_DEFAULTS.callAs;
  const operationPreferences = {
    maxConcurrentPercentage: settings.maxConcurrentPercentage ?? BOOTSTRAP_DEFAULTS.maxConcurrentPercentage,
    failureTolerancePercentage: settings.failureTolerancePercentage ?? BOOTSTRAP_DEFAULTS.failureTolerancePercentage,
    regionConcurrencyType: 'PARALLEL',
  };

  const stackSet = new aws.cloudformation.StackSet(
    'TargetAccountStackSet',
    {
      name: stageName($app.name, $app.stage, 'target-account', 128),
      description: 'crossdeploy: the deploy role and event forwarding in every target account',
      templateBody,
      parameters,
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      // The template names the deploy role (the map and the functions refer to it by name).
      capabilities: ['CAPABILITY_NAMED_IAM'],
      callAs,
      operationPreferences,
      // One StackSetInstance per region below, each its own StackSet operation; CloudFormation refuses
      // concurrent operations on one StackSet unless it queues them.
      managedExecution: { active: true },
    },
    // With SERVICE_MANAGED, AWS fills in the administration role itself; without this every diff shows it.
    { ignoreChanges: ['administrationRoleArn'] },
  );

  const suffixes = resourceIds(settings.regions);
  const instances = settings.regions.map(
    (region) =>
      new aws.cloudformation.StackSetInstance(`TargetAccountStackSet${suffixes.get(region)}`, {
        stackSetName: stackSet.name,
        stackSetInstanceRegion: region,
        deploymentTargets: { organizationalUnitIds: settings.organizationalUnits },
        callAs,
        operationPreferences,
        // Removing crossdeploy from an OU removes what it put in the accounts.
        retainStack: false,
      }),
  );
  return { stackSet, instances };
}
