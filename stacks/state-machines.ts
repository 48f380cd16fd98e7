// The workflows, from state-machines/*.asl.json (JSONPath, as the local engine runs them) with
// Pulumi's aws.sfn.StateMachine: sst.aws.StepFunctions would emit JSONata.
import { logRetention, stageName } from './config';
import type { StepFunctions } from './functions';
import { DEPLOYMENTS_PREFIX } from './images';
import { stateMachineNameOf } from './names';
import { stateMachinePolicy, stateMachineTrustPolicy } from './policies';
import { functionVariable, type GrantScope } from './steps';
import {
  BUILD_PROJECT_VARIABLE,
  BUILDSPECS,
  dependenciesOf,
  STATE_MACHINES,
  type StateMachineId,
  stateMachineVariable,
  substitute,
} from './substitutions';

export type StateMachines = Record<StateMachineId, aws.sfn.StateMachine>;

/** `crossdeploy-dev-deploy-target` (state machine names allow 80 characters). */
export const stateMachineName = (file: string): string => stateMachineNameOf($app.name, $app.stage, file);

/** Resources the definitions name besides functions and machines. */
export interface DefinitionResources {
  /** The services' and application stacks' CodeBuild projects: a machine that starts builds is created after them. */
  buildProjects: aws.codebuild.Project[];
}

export function createStateMachines(
  functions: StepFunctions,
  scope: $util.Output<GrantScope>,
  resources: DefinitionResources,
): StateMachines {
  const retention = logRetention($app.stage);
  const machines: Partial<StateMachines> = {};

  for (const spec of STATE_MACHINES) {
    const {
      functions: invoked,
      children,
      waitsForChildren,
      startsBuilds,
      waitsForBuilds,
      runsMapRuns,
    } = dependenciesOf(spec);
    const name = stateMachineName(spec.file);

    const logGroup = new aws.cloudwatch.LogGroup(`${spec.id}StateMachineLogs`, {
      // The /aws/vendedlogs/ prefix keeps CloudWatch's log resource policy small however many machines log.
      name: `/aws/vendedlogs/states/${name}`,
      retentionInDays: retention.days,
    });

    const role = new aws.iam.Role(`${spec.id}StateMachineRole`, {
      name: stageName($app.name, $app.stage, `${spec.file}-sfn`, 64),
      description: `crossdeploy: role of the ${name} state machine`,
      assumeRolePolicy: scope.apply((where) => stateMachineTrustPolicy(where)),
    });

    // Children by name, not by their resources' ARNs: no role waits for (or cycles through) another machine.
    const functionArns = invoked.map((fn) => functions[fn.id].arn);
    const policy = new aws.iam.RolePolicy(`${spec.id}StateMachinePolicy`, {
      role: role.id,
      policy: $resolve({ where: scope, arns: $util.all(functionArns) }).apply(({ where, arns }) =>
        JSON.stringify(
          stateMachinePolicy({
            where,
            functionArns: arns,
            children: children.map((child) => stateMachineName(child.file)),
            waitsForChildren,
            buildProjects: startsBuilds ? where.names.builds.map((build) => build.project) : [],
            waitsForBuilds,
            ...(runsMapRuns
              ? { mapRuns: { stateMachine: name, bucket: where.names.artifactsBucket, prefix: DEPLOYMENTS_PREFIX } }
              : {}),
          }),
        ),
      ),
    });

    // The definition takes the children's real ARNs: each child is created first (STATE_MACHINES' order).
    const values: Record<string, $util.Input<string>> = {};
    for (const fn of invoked) values[functionVariable(fn)] = functions[fn.id].arn;
    if (startsBuilds) {
      values[BUILD_PROJECT_VARIABLE] = scope.apply((where) => where.names.buildProjectPrefix);
      Object.assign(values, BUILDSPECS);
    }
    for (const child of children) {
      const created = machines[child.id];
      if (!created) throw new Error(`${spec.file} starts ${child.file}, which is not created yet`);
      values[stateMachineVariable(child)] = created.arn;
    }

    machines[spec.id] = new aws.sfn.StateMachine(
      `${spec.id}StateMachine`,
      {
        name,
        type: 'STANDARD',
        roleArn: role.arn,
        definition: $resolve(values).apply((resolved) =>
          substitute(spec.definition, resolved, `${spec.file}.asl.json`),
        ),
        loggingConfiguration: {
          level: 'ERROR',
          includeExecutionData: false,
          logDestination: $interpolate`${logGroup.arn}:*`,
        },
        tracingConfiguration: { enabled: true },
      },
      // CreateStateMachine checks that the role may deliver logs: the policy must be in place first.
      { dependsOn: startsBuilds ? [policy, ...resources.buildProjects] : [policy] },
    );
  }
  return machines as StateMachines;
}
