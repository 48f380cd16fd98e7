import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
// Fixtures of the stack workflows: published template versions, stack runs and what a stack holds, read as a
// fixture (moto's account header), not through crossdeploy.

import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaultDocumentClient } from '../../aws/lease';
import { settings } from '../../aws/settings';
import { templatesTable } from '../../aws/tables';
import { publishTemplateVersion } from '../../aws/template-registry';
import type { StackEnvironmentRun, StackTarget, TemplateRef } from '../../core/contracts';
import { environmentStackName } from '../../core/stacks/names';
import { clientForAccount } from '../../local/accounts';
import { ORCHESTRATOR, seedLedger } from './workflows';

/** Publishes each version (`template.yaml` text) in the orchestrator's registry, creating the table first. */
export async function publishTemplates(versions: (TemplateRef & { body: string })[]): Promise<void> {
  const dynamo = new DynamoDBClient({ region: ORCHESTRATOR.region });
  try {
    await dynamo.send(new CreateTableCommand(templatesTable(settings.templatesTable())));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  } finally {
    dynamo.destroy();
  }
  const db = defaultDocumentClient(ORCHESTRATOR.region);
  for (const { body, ...ref } of versions) {
    await publishTemplateVersion(
      db,
      settings.templatesTable(),
      {
        ...ref,
        body,
        schema: { type: 'object', properties: {} },
        publishedBy: 'arn:aws:iam::111111111111:role/platform',
      },
      () => new Date('2026-12-01T00:00:00Z'),
    );
  }
}

export function stackTarget(account: string, region: string, environment = 'dev'): StackTarget {
  return { account, region, stackName: environmentStackName(environment) };
}

export function environmentStackRun(
  template: TemplateRef,
  inputs: Record<string, unknown>,
  waves: { targets: StackTarget[]; maxConcurrency?: number; failureTolerance?: number }[],
  deploymentId = `env-dev-${template.version.replace('.', '-')}-test`,
): StackEnvironmentRun {
  return {
    targetKind: 'cloudformation-stack',
    deployment: {
      deploymentId,
      serviceName: '_environment',
      environment: 'dev',
      commit: 'templates@main',
      orchestrator: ORCHESTRATOR,
      deployRole: { name: 'crossdeploy-deploy' },
      template,
      inputs,
      environmentStack: null,
      deploymentParameters: {},
      health: { alarms: [] },
      rollout: { intervalSeconds: 5, checks: 10 },
      bake: { intervalSeconds: 0, checks: 0 },
      context: { kind: 'deploy', pipelineId: deploymentId, approval: null, requestedBy: null },
    },
    waves: waves.map((w) => ({
      maxConcurrency: w.maxConcurrency ?? 10,
      failureTolerance: w.failureTolerance ?? 0,
      targets: w.targets,
    })),
  };
}

/** The stack as CloudFormation describes it in the target, or undefined when there is none. */
export async function liveStack(t: StackTarget) {
  const cloudformation = clientForAccount(CloudFormationClient, t.account, t.region);
  try {
    const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: t.stackName }));
    const stack = Stacks[0];
    return {
      status: stack?.StackStatus,
      version: stack?.Tags?.find((tag) => tag.Key === 'crossdeploy:template-version')?.Value,
      outputs: Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue])),
    };
  } catch (error) {
    if ((error as Error).name === 'ValidationError') return undefined;
    throw error;
  } finally {
    cloudformation.destroy();
  }
}

/** The fixture environment template `environments/network` (test/fixtures/stack-templates): v1.1 adds a role. */
export const network = (version: string) => ({ kind: 'environments' as const, name: 'network', version });

export const networkTemplate = (version: string) =>
  readFileSync(
    new URL(`../fixtures/stack-templates/environments/network/${version}/template.yaml`, import.meta.url),
    'utf8',
  );

/** v1.0 and v1.1 of the network template in the registry, and the ledger the stack workflows write. */
export async function publishNetwork(): Promise<void> {
  await seedLedger();
  await publishTemplates(['v1.0', 'v1.1'].map((version) => ({ ...network(version), body: networkTemplate(version) })));
}

/** An alarm an application's owners made in a target, in `state`: what a stack's bake watches. */
export async function putAlarm(where: { account: string; region: string }, name: string, state: 'OK' | 'ALARM') {
  const cloudwatch = clientForAccount(CloudWatchClient, where.account, where.region);
  try {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: `errors ${state}` }),
    );
  } finally {
    cloudwatch.destroy();
  }
}
