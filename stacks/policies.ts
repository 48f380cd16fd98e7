// IAM documents of the state machines' roles. Pure (no Pulumi, no SST globals), so tests can read them.
import type { GrantScope } from './steps';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

type Where = Pick<GrantScope, 'partition' | 'account' | 'region'>;

/** The managed rule through which Step Functions learns that a `.sync` child execution ended. */
export const SYNC_EXECUTION_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

/** Vended log delivery to CloudWatch Logs; none of these actions has a resource type in IAM. */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

/** X-Ray tracing of executions; no resource type in IAM either. */
export const STATE_MACHINE_TRACING_ACTIONS = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
] as const;

export const stateMachineArn = ({ partition, region, account }: Where, name: string): string =>
  `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;

/** Every execution of the named machine. */
export const executionsArn = ({ partition, region, account }: Where, name: string): string =>
  `arn:${partition}:states:${region}:${account}:execution:${name}:*`;

/** Step Functions in this account and region only (confused-deputy guard), as AWS documents it. */
export function stateMachineTrustPolicy(where: Where): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'states.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': where.account },
          ArnLike: { 'aws:SourceArn': stateMachineArn(where, '*') },
        },
      },
    ],
  });
}

export interface StateMachinePolicyInput {
  where: Where;
  /** ARNs of the functions its definition invokes. */
  functionArns: string[];
  /** Names (not ARNs: built from names, so no role waits for another machine) of the machines it starts. */
  children: string[];
  /** It waits for its children with `startExecution.sync`. */
  waitsForChildren: boolean;
}

/** What one state machine's role may do: its functions, its children, its logs and traces, nothing else. */
export function stateMachinePolicy({
  where,
  functionArns,
  children,
  waitsForChildren,
}: StateMachinePolicyInput): PolicyDocument {
  const statements: PolicyStatement[] = [];
  if (functionArns.length > 0) {
    statements.push({
      Sid: 'InvokeItsFunctions',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [...functionArns].sort(),
    });
  }
  if (children.length > 0) {
    statements.push({
      Sid: 'StartChildExecutions',
      Effect: 'Allow',
      Action: ['states:StartExecution'],
      Resource: children.map((name) => stateMachineArn(where, name)).sort(),
    });
    if (waitsForChildren) {
      statements.push(
        {
          Sid: 'FollowChildExecutions',
          Effect: 'Allow',
          Action: ['states:DescribeExecution', 'states:StopExecution'],
          Resource: children.map((name) => executionsArn(where, name)).sort(),
        },
        {
          Sid: 'SyncExecutionEvents',
          Effect: 'Allow',
          Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          Resource: [`arn:${where.partition}:events:${where.region}:${where.account}:rule/${SYNC_EXECUTION_RULE}`],
        },
      );
    }
  }
  statements.push(
    { Sid: 'DeliverLogs', Effect: 'Allow', Action: [...LOG_DELIVERY_ACTIONS], Resource: ['*'] },
    { Sid: 'Trace', Effect: 'Allow', Action: [...STATE_MACHINE_TRACING_ACTIONS], Resource: ['*'] },
  );
  return { Version: '2012-10-17', Statement: statements };
}
