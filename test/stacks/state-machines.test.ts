// The SST app's workflows, checked without Pulumi: what stacks/state-machines.ts substitutes and grants.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localFunctions } from '../../local/functions';
import { BUILDSPEC, DEPLOYMENTS_PREFIX, PACKAGE_BUILDSPEC } from '../../stacks/images';
import { stateMachinePolicy, stateMachineTrustPolicy } from '../../stacks/policies';
import { functionVariable, handlerOf, STEP_FUNCTIONS } from '../../stacks/steps';
import {
  BUILD_PROJECT_VARIABLE,
  definitionVariables,
  dependenciesOf,
  PACKAGE_SPEC_VARIABLE,
  STATE_MACHINES,
  SUBSTITUTIONS,
  stateMachineVariable,
  substitute,
} from '../../stacks/substitutions';

const definitionsDir = new URL('../../state-machines/', import.meta.url);
const aslFiles = readdirSync(definitionsDir)
  .filter((file) => file.endsWith('.asl.json'))
  .sort();
const readAsl = (file: string): unknown => JSON.parse(readFileSync(new URL(file, definitionsDir), 'utf8'));
/** `${Name}`, as the ASL files write it. */
const placeholder = (name: string): string => `\${${name}}`;
const where = { partition: 'aws', account: '111111111111', region: 'eu-west-1' };

/**
 * A fake value (an ARN, or the build project's name) for every substitution, and the buildspecs themselves, as
 * stacks/state-machines.ts would resolve them.
 */
const fakeArns: Record<string, string> = Object.fromEntries(
  [...SUBSTITUTIONS.values()].map((s) => [
    s.variable,
    s.kind === 'function'
      ? `arn:aws:lambda:eu-west-1:111111111111:function:crossdeploy-test-${s.spec.id}`
      : s.kind === 'state-machine'
        ? `arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-${s.spec.file}`
        : s.kind === 'build-project'
          ? 'crossdeploy-test-build-'
          : s.buildspec,
  ]),
);

describe('state machines deployed by stacks/state-machines.ts', () => {
  it('deploys every ASL file in state-machines/, exactly as the file says', () => {
    expect(STATE_MACHINES.map((m) => `${m.file}.asl.json`).sort()).toEqual(aslFiles);
    for (const machine of STATE_MACHINES) expect(machine.definition).toEqual(readAsl(`${machine.file}.asl.json`));
  });

  it.each(aslFiles)('%s: every placeholder it uses has a substitution, and substituting leaves none behind', (file) => {
    const definition = readAsl(file);
    const variables = definitionVariables(definition);
    expect(variables.length).toBeGreaterThan(0);
    expect(variables.filter((v) => !SUBSTITUTIONS.has(v))).toEqual([]);

    const text = substitute(definition, fakeArns, file);
    // Only the buildspec's own shell variables (`${CROSSDEPLOY_TEST_COMMAND:-}`) may remain.
    expect(text).not.toMatch(/\$\{\w+\}/);
    const substituted = JSON.parse(text) as { States: Record<string, unknown> };
    expect(Object.keys(substituted.States)).toEqual(Object.keys((definition as typeof substituted).States));
  });

  it('puts each ARN where its variable was', () => {
    const deployTarget = STATE_MACHINES.find((m) => m.file === 'deploy-target');
    const text = substitute(deployTarget?.definition, fakeArns, 'deploy-target.asl.json');
    const { States } = JSON.parse(text) as { States: Record<string, { Resource?: string; Parameters?: object }> };
    expect(States['Register task definition revision']?.Resource).toBe(fakeArns.RegisterTaskDefinitionFunctionArn);
    expect(States['Roll back to previous revision']?.Parameters).toMatchObject({
      StateMachineArn: fakeArns[stateMachineVariable({ id: 'RollbackTarget' })],
    });
  });

  it('refuses to deploy a definition with a variable it cannot fill', () => {
    const unknown = placeholder('NopeFunctionArn');
    expect(() => substitute({ Resource: unknown }, fakeArns, 'x.asl.json')).toThrow(
      `x.asl.json: no value for ${unknown}`,
    );
    expect(() => dependenciesOf({ id: 'X', file: 'x', definition: { Resource: unknown } })).toThrow(
      `unknown substitution ${unknown}`,
    );
  });

  it('every Lambda variable names a handler file under functions/ that exports handler', async () => {
    const functionVariables = [...SUBSTITUTIONS.values()].filter((s) => s.kind === 'function');
    expect(functionVariables).toHaveLength(STEP_FUNCTIONS.length);
    for (const { variable, spec } of functionVariables) {
      expect(handlerOf(spec)).toBe(`functions/${spec.file}.handler`);
      const module = (await import(`../../functions/${spec.file}.ts`)) as { handler?: unknown };
      expect(typeof module.handler, `${variable} -> functions/${spec.file}.ts`).toBe('function');
      // The local runtime binds the same handler to the same variable.
      expect(localFunctions[variable], variable).toBe(module.handler);
    }
    expect(Object.keys(localFunctions).sort()).toEqual(STEP_FUNCTIONS.map(functionVariable).sort());
  });

  it.each(aslFiles)('%s: every Task runs a function the app defines or a service integration it grants', (file) => {
    const known = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node !== null && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        if (record.Type === 'Task') known.add(String(record.Resource));
        Object.values(record).forEach(visit);
      }
    };
    visit(readAsl(file));
    expect(known.size).toBeGreaterThan(0);
    const functions = new Set(STEP_FUNCTIONS.map((spec) => placeholder(functionVariable(spec))));
    for (const resource of known) {
      const integration =
        /^arn:aws:states:::(lambda:invoke(\.waitForTaskToken)?|states:startExecution(\.sync(:2)?)?|codebuild:startBuild(\.sync)?)$/;
      expect(functions.has(resource) || integration.test(resource), `${file}: ${resource}`).toBe(true);
    }
  });

  it.each(aslFiles)('%s: every nested start retries the names the Step Functions integration raises', (file) => {
    const nested: { ErrorEquals: string[] }[][] = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node !== null && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        if (record.Type === 'Task' && String(record.Resource).includes(':states:startExecution')) {
          nested.push((record.Retry ?? []) as { ErrorEquals: string[] }[]);
        }
        Object.values(record).forEach(visit);
      }
    };
    visit(readAsl(file));
    for (const retry of nested) {
      expect(retry.flatMap((r) => r.ErrorEquals)).toEqual(
        expect.arrayContaining([
          'StepFunctions.ExecutionLimitExceeded',
          'StepFunctions.ExecutionLimitExceededException',
          'StepFunctions.AWSStepFunctionsException',
          'StepFunctions.SdkClientException',
        ]),
      );
    }
  });

  it('deploys no function that no workflow invokes', () => {
    const used = new Set(STATE_MACHINES.flatMap((m) => definitionVariables(m.definition)));
    expect(STEP_FUNCTIONS.map(functionVariable).filter((v) => !used.has(v))).toEqual([]);
  });

  it('creates each child machine before the machines that start it (no cycle)', () => {
    const byFile = Object.fromEntries(
      STATE_MACHINES.map((m) => {
        const deps = dependenciesOf(m);
        return [m.file, { children: deps.children.map((c) => c.file).sort(), waits: deps.waitsForChildren }];
      }),
    );
    expect(byFile).toEqual({
      'rollback-stack': { children: [], waits: false },
      'rollback-target': { children: ['rollback-stack'], waits: true },
      'deploy-stack': { children: ['rollback-stack'], waits: true },
      'deploy-target': { children: ['deploy-stack', 'rollback-target'], waits: true },
      'deploy-environment': {
        children: ['deploy-stack', 'deploy-target', 'rollback-stack', 'rollback-target'],
        waits: true,
      },
      pipeline: { children: ['deploy-environment'], waits: true },
    });
  });

  it('rejects a machine that starts one created after it', () => {
    const early = {
      id: 'Early',
      file: 'early',
      definition: { Parameters: { StateMachineArn: placeholder('DeployTargetStateMachineArn') } },
    };
    expect(() => dependenciesOf(early)).toThrow('not created before it');
  });

  it("starts the service's own build project by NAME, passes the buildspec again, and waits for the build", () => {
    const pipeline = STATE_MACHINES.find((m) => m.file === 'pipeline');
    const text = substitute(pipeline?.definition, fakeArns, 'pipeline.asl.json');
    const { States } = JSON.parse(text) as { States: Record<string, { Resource?: string; Parameters?: object }> };
    const build = {
      Resource: 'arn:aws:states:::codebuild:startBuild.sync',
      Parameters: {
        'ProjectName.$': "States.Format('crossdeploy-test-build-{}', $.serviceName)",
        'EnvironmentTypeOverride.$': '$.build.environmentType',
        'ImageOverride.$': '$.build.image',
      },
    };
    expect(States['Build image once']).toMatchObject({
      ...build,
      Parameters: { ...build.Parameters, BuildspecOverride: BUILDSPEC },
    });
    // An application stack's project, under the same prefix, with its own buildspec.
    expect(States['Package application stack once']).toMatchObject({
      ...build,
      Parameters: { ...build.Parameters, BuildspecOverride: PACKAGE_BUILDSPEC },
    });
    expect(SUBSTITUTIONS.get(PACKAGE_SPEC_VARIABLE)).toEqual({
      kind: 'build-spec',
      variable: PACKAGE_SPEC_VARIABLE,
      buildspec: PACKAGE_BUILDSPEC,
    });
    expect(States['Ask for approval']?.Parameters).toMatchObject({ FunctionName: fakeArns.RequestApprovalFunctionArn });
    expect(pipeline && dependenciesOf(pipeline)).toMatchObject({ startsBuilds: true, waitsForBuilds: true });
    for (const machine of STATE_MACHINES.filter((m) => m.file !== 'pipeline')) {
      expect(dependenciesOf(machine), machine.file).toMatchObject({ startsBuilds: false, waitsForBuilds: false });
    }
  });

  it('rejects a build project named without a build, and a build of another project', () => {
    const project = placeholder(BUILD_PROJECT_VARIABLE);
    expect(() =>
      dependenciesOf({ id: 'X', file: 'x', definition: { States: { A: { Type: 'Pass', Result: project } } } }),
    ).toThrow('names the build project but starts no build');
    expect(() =>
      dependenciesOf({
        id: 'X',
        file: 'x',
        definition: {
          States: {
            A: {
              Type: 'Task',
              Resource: 'arn:aws:states:::codebuild:startBuild',
              Parameters: { ProjectName: 'elsewhere' },
            },
          },
        },
      }),
    ).toThrow('starts a build of a project not named');
  });
});

describe("state machines' roles", () => {
  const policyOf = (file: string) => {
    const machine = STATE_MACHINES.find((m) => m.file === file);
    if (!machine) throw new Error(file);
    const deps = dependenciesOf(machine);
    return stateMachinePolicy({
      where,
      functionArns: deps.functions.map((fn) => fakeArns[functionVariable(fn)] as string),
      children: deps.children.map((child) => `crossdeploy-test-${child.file}`),
      waitsForChildren: deps.waitsForChildren,
      buildProjects: deps.startsBuilds ? ['crossdeploy-test-build-web'] : [],
      waitsForBuilds: deps.waitsForBuilds,
      ...(deps.runsMapRuns
        ? {
            mapRuns: {
              stateMachine: `crossdeploy-test-${file}`,
              bucket: 'crossdeploy-test-artifacts',
              prefix: DEPLOYMENTS_PREFIX,
            },
          }
        : {}),
    });
  };
  const statement = (policy: ReturnType<typeof policyOf>, sid: string) => policy.Statement.find((s) => s.Sid === sid);
  const fn = (id: string) => `arn:aws:lambda:eu-west-1:111111111111:function:crossdeploy-test-${id}`;

  it('rollback-target invokes its five functions (the ledger too) and waits for the rollback-stack executions it starts only', () => {
    const policy = policyOf('rollback-target');
    expect(statement(policy, 'InvokeItsFunctions')?.Resource).toEqual(
      ['CheckRollout', 'FindInstanceChange', 'RecordDeployment', 'RestoreConfiguration', 'RollBackService'].map(fn),
    );
    expect(statement(policy, 'StartChildExecutions')).toMatchObject({
      Action: ['states:StartExecution'],
      Resource: ['arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-rollback-stack'],
    });
    expect(statement(policy, 'FollowChildExecutions')).toMatchObject({
      Action: ['states:DescribeExecution', 'states:StopExecution'],
      Resource: ['arn:aws:states:eu-west-1:111111111111:execution:crossdeploy-test-rollback-stack:*'],
    });
  });

  it('deploy-target invokes its eleven functions (the ledger, the failure reader and the two waits too) and waits for deploy-stack and rollback-target executions only', () => {
    const policy = policyOf('deploy-target');
    expect(statement(policy, 'InvokeItsFunctions')?.Resource).toEqual(
      [
        'AssumeDeployRole',
        'AwaitBake',
        'AwaitRollout',
        'CheckHealth',
        'CheckImageReplica',
        'CheckRollout',
        'ExplainFailure',
        'FindServiceInstance',
        'RecordDeployment',
        'RegisterTaskDefinition',
        'UpdateService',
      ].map(fn),
    );
    expect(statement(policy, 'StartChildExecutions')?.Resource).toEqual([
      'arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-deploy-stack',
      'arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-rollback-target',
    ]);
    expect(statement(policy, 'FollowChildExecutions')).toMatchObject({
      Action: ['states:DescribeExecution', 'states:StopExecution'],
      Resource: [
        'arn:aws:states:eu-west-1:111111111111:execution:crossdeploy-test-deploy-stack:*',
        'arn:aws:states:eu-west-1:111111111111:execution:crossdeploy-test-rollback-target:*',
      ],
    });
    expect(statement(policy, 'SyncExecutionEvents')).toMatchObject({
      Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      Resource: ['arn:aws:events:eu-west-1:111111111111:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule'],
    });
  });

  it('deploy-stack waits for the rollback-stack executions it starts after a failed bake, and starts no other machine', () => {
    const policy = policyOf('deploy-stack');
    expect(statement(policy, 'InvokeItsFunctions')?.Resource).toContain(fn('CheckStackHealth'));
    expect(statement(policy, 'StartChildExecutions')).toMatchObject({
      Action: ['states:StartExecution'],
      Resource: ['arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-rollback-stack'],
    });
    // `.sync` follows the child: Step Functions describes it, stops it when the parent stops, and learns of its end
    // through a managed EventBridge rule (https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html).
    expect(statement(policy, 'FollowChildExecutions')).toMatchObject({
      Action: ['states:DescribeExecution', 'states:StopExecution'],
      Resource: ['arn:aws:states:eu-west-1:111111111111:execution:crossdeploy-test-rollback-stack:*'],
    });
    expect(statement(policy, 'SyncExecutionEvents')).toMatchObject({
      Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      Resource: ['arn:aws:events:eu-west-1:111111111111:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule'],
    });
    expect(
      policyOf('rollback-stack')
        .Statement.flatMap((s) => s.Action)
        .filter((a) => /^(states|events):/.test(a)),
    ).toEqual([]);
  });

  it('deploy-stack and rollback-stack write the ledger through record-stack-deployment, never record-deployment', () => {
    for (const file of ['deploy-stack', 'rollback-stack']) {
      const invoked = statement(policyOf(file), 'InvokeItsFunctions')?.Resource;
      expect(invoked, file).toContain(fn('RecordStackDeployment'));
      expect(invoked, file).not.toContain(fn('RecordDeployment'));
    }
  });

  it("deploy-environment invokes open-ecr, evaluate-wave, mark-image-deployed and explain-failure only and starts each kind's per-target machines", () => {
    const policy = policyOf('deploy-environment');
    expect(statement(policy, 'InvokeItsFunctions')?.Resource).toEqual(
      ['EvaluateWave', 'ExplainFailure', 'MarkImageDeployed', 'OpenEcr'].map(fn),
    );
    expect(statement(policy, 'StartChildExecutions')?.Resource).toEqual([
      'arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-deploy-stack',
      'arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-deploy-target',
      'arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-rollback-stack',
      'arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-rollback-target',
    ]);
  });

  it("deploy-environment runs its Distributed Maps' children as its own executions, and reads and writes only the deployments' wave objects", () => {
    const policy = policyOf('deploy-environment');
    expect(statement(policy, 'StartMapRunChildren')).toMatchObject({
      Action: ['states:StartExecution'],
      Resource: ['arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-deploy-environment'],
    });
    expect(statement(policy, 'FollowMapRunChildren')).toMatchObject({
      Action: ['states:DescribeExecution', 'states:StopExecution'],
      Resource: ['arn:aws:states:eu-west-1:111111111111:execution:crossdeploy-test-deploy-environment/*'],
    });
    expect(statement(policy, 'ReadItemsWriteResults')).toMatchObject({
      Action: ['s3:GetObject', 's3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      Resource: ['arn:aws:s3:::crossdeploy-test-artifacts/deployments/*'],
    });
    for (const machine of STATE_MACHINES.filter((m) => m.file !== 'deploy-environment')) {
      expect(statement(policyOf(machine.file), 'StartMapRunChildren'), machine.file).toBeUndefined();
    }
  });

  it('pipeline invokes its eight functions (the request check, which stores the waves, the packaged template check, the failure exit and announcements too), runs and follows builds, and waits for deploy-environment', () => {
    const policy = policyOf('pipeline');
    expect(statement(policy, 'InvokeItsFunctions')?.Resource).toEqual(
      [
        'AcquireLease',
        'AnnounceDeployment',
        'AnnounceFailure',
        'CheckPackagedTemplate',
        'CheckPipelineRequest',
        'FindBuiltImage',
        'ReleaseLease',
        'RequestApproval',
      ].map(fn),
    );
    expect(statement(policy, 'RunBuilds')).toMatchObject({
      Action: ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'],
      Resource: ['arn:aws:codebuild:eu-west-1:111111111111:project/crossdeploy-test-build-web'],
    });
    expect(statement(policy, 'SyncBuildEvents')).toMatchObject({
      Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      Resource: ['arn:aws:events:eu-west-1:111111111111:rule/StepFunctionsGetEventsForCodeBuildStartBuildRule'],
    });
    expect(statement(policy, 'StartChildExecutions')?.Resource).toEqual([
      'arn:aws:states:eu-west-1:111111111111:stateMachine:crossdeploy-test-deploy-environment',
    ]);
    expect(statement(policy, 'FollowChildExecutions')?.Resource).toEqual([
      'arn:aws:states:eu-west-1:111111111111:execution:crossdeploy-test-deploy-environment:*',
    ]);
    expect(statement(policy, 'SyncExecutionEvents')?.Resource).toEqual([
      'arn:aws:events:eu-west-1:111111111111:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
    ]);
  });

  it('lets no machine but the pipeline touch CodeBuild', () => {
    for (const machine of STATE_MACHINES.filter((m) => m.file !== 'pipeline')) {
      const actions = policyOf(machine.file).Statement.flatMap((s) => s.Action);
      expect(
        actions.filter((a) => a.startsWith('codebuild:')),
        machine.file,
      ).toEqual([]);
    }
  });

  it('grants "*" only to log delivery and tracing, which have no resource type', () => {
    for (const machine of STATE_MACHINES) {
      const wildcard = policyOf(machine.file).Statement.filter((s) => s.Resource.includes('*'));
      expect(wildcard.map((s) => s.Sid).sort()).toEqual(['DeliverLogs', 'Trace']);
    }
  });

  it('lets only Step Functions of this account and region assume the role', () => {
    expect(JSON.parse(stateMachineTrustPolicy(where))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'states.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': '111111111111' },
            ArnLike: { 'aws:SourceArn': 'arn:aws:states:eu-west-1:111111111111:stateMachine:*' },
          },
        },
      ],
    });
  });
});
