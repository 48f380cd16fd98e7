// The CloudFormation calls of the stack workflows, in a target account through the deploy role: one function per
// call, each naming where it went when it fails, each answering with only what the workflows read.

import {
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import type { StackParameter, StackParameterValue, StackTarget } from '../core/contracts';
import { StackExecutionRoleMissing } from '../core/errors';
import type { StackEvent } from '../core/stacks/status';
import { awsCall } from './transient';

export type CfnLike = Pick<CloudFormationClient, 'send'>;

export interface StackSnapshot {
  stackId: string;
  status: string;
  statusReason?: string;
  /** As DescribeStacks answers them: a NoEcho parameter's value is asterisks. */
  parameters: StackParameterValue[];
  outputs: Record<string, string>;
  tags: Record<string, string>;
}

const where = (call: string, t: StackTarget) => `cloudformation:${call} ${t.account}/${t.region} ${t.stackName}`;

/** The stack, or nothing when there is none by that name (deleted stacks are found only by id). */
export async function describeStack(cfn: CfnLike, target: StackTarget): Promise<StackSnapshot | undefined> {
  try {
    const { Stacks = [] } = await awsCall(where('DescribeStacks', target), () =>
      cfn.send(new DescribeStacksCommand({ StackName: target.stackName })),
    );
    const stack = Stacks[0];
    if (!stack?.StackId || !stack.StackStatus) return undefined;
    return {
      stackId: stack.StackId,
      status: stack.StackStatus,
      ...(stack.StackStatusReason ? { statusReason: stack.StackStatusReason } : {}),
      parameters: (stack.Parameters ?? []).map((p) => ({
        ParameterKey: p.ParameterKey ?? '',
        ParameterValue: p.ParameterValue ?? '',
      })),
      outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
      tags: Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    };
  } catch (error) {
    // "Stack with id <name> does not exist": a ValidationError, CloudFormation's only way to say "none".
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message))
      return undefined;
    throw error;
  }
}

export interface ChangeSetRequest {
  changeSetName: string;
  type: 'CREATE' | 'UPDATE';
  body: string;
  parameters: StackParameter[];
  tags: Record<string, string>;
  description: string;
  /** The role CloudFormation acts as in the target account. */
  roleArn: string;
}

export async function createChangeSet(
  cfn: CfnLike,
  target: StackTarget,
  request: ChangeSetRequest,
): Promise<{ changeSetId: string; stackId: string }> {
  const answer = await awsCall(where('CreateChangeSet', target), () =>
    cfn.send(
      new CreateChangeSetCommand({
        StackName: target.stackName,
        ChangeSetName: request.changeSetName,
        ChangeSetType: request.type,
        TemplateBody: request.body,
        Parameters: request.parameters,
        // Platform templates create roles with names; a template that does not needs no acknowledgement
        // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/control-access-with-iam.html#using-iam-capabilities).
        Capabilities: ['CAPABILITY_NAMED_IAM'],
        Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
        Description: request.description,
        RoleARN: request.roleArn,
      }),
    ),
  ).catch((error: Error) => {
    if (error.name === 'ValidationError' && /is invalid or cannot be assumed/.test(error.message)) {
      throw new StackExecutionRoleMissing(
        `${target.account}/${target.region} ${target.stackName}: CloudFormation cannot act as ${request.roleArn} ` +
          '(it does not exist there, or does not trust cloudformation.amazonaws.com). The target-account bootstrap ' +
          'creates it from bootstrap.stackExecutionPolicyArns (crossdeploy bootstrap --print)',
        { cause: error },
      );
    }
    throw error;
  });
  return { changeSetId: answer.Id ?? '', stackId: answer.StackId ?? '' };
}

export async function describeChangeSet(
  cfn: CfnLike,
  target: StackTarget,
  changeSetId: string,
): Promise<{ status: string; statusReason?: string }> {
  const answer = await awsCall(where('DescribeChangeSet', target), () =>
    cfn.send(new DescribeChangeSetCommand({ ChangeSetName: changeSetId, StackName: target.stackName })),
  );
  return {
    status: answer.Status ?? 'CREATE_PENDING',
    ...(answer.StatusReason ? { statusReason: answer.StatusReason } : {}),
  };
}

export async function executeChangeSet(cfn: CfnLike, target: StackTarget, changeSetId: string): Promise<void> {
  await awsCall(where('ExecuteChangeSet', target), () =>
    cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSetId, StackName: target.stackName })),
  );
}

export async function deleteStack(cfn: CfnLike, target: StackTarget): Promise<void> {
  await awsCall(where('DeleteStack', target), () => cfn.send(new DeleteStackCommand({ StackName: target.stackName })));
}

/** The stack's events since `since`, newest first as CloudFormation pages them; reading stops at the first older one. */
export async function stackEventsSince(cfn: CfnLike, target: StackTarget, since: Date): Promise<StackEvent[]> {
  const events: StackEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall(where('DescribeStackEvents', target), () =>
      cfn.send(new DescribeStackEventsCommand({ StackName: target.stackName, NextToken: nextToken })),
    );
    for (const e of page.StackEvents ?? []) {
      const timestamp = e.Timestamp ?? new Date(0);
      if (timestamp.getTime() < since.getTime()) return events;
      events.push({
        timestamp,
        logicalResourceId: e.LogicalResourceId ?? '',
        resourceType: e.ResourceType ?? '',
        resourceStatus: e.ResourceStatus ?? '',
        ...(e.ResourceStatusReason ? { reason: e.ResourceStatusReason } : {}),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return events;
}
