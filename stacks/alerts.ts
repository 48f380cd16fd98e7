// Alerts about the orchestrator itself: an SNS topic `crossdeploy-<stage>-alerts`, and on it one CloudWatch
// alarm per state machine that goes off when any of its executions fails.
import { stageName } from './config';
import { type StateMachines, stateMachineName } from './state-machines';
import { STATE_MACHINES } from './substitutions';

/** `AWS/States` `ExecutionsFailed`, summed over 5 minutes: one failed execution is enough. */
export const EXECUTIONS_FAILED_ALARM = {
  namespace: 'AWS/States',
  metricName: 'ExecutionsFailed',
  statistic: 'Sum',
  period: 300,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  // No execution, no data point: nothing failed.
  treatMissingData: 'notBreaching',
} as const;

export interface Alerts {
  topic: aws.sns.Topic;
  alarms: aws.cloudwatch.MetricAlarm[];
}

/** Subscribe the operators (e-mail, chat) to the topic outside the stack, as for the approval topics. */
export function createAlerts(machines: StateMachines): Alerts {
  const topic = new aws.sns.Topic('AlertsTopic', { name: stageName($app.name, $app.stage, 'alerts', 256) });
  const alarms = STATE_MACHINES.map((spec) => {
    const machine = machines[spec.id];
    return new aws.cloudwatch.MetricAlarm(`${spec.id}ExecutionsFailedAlarm`, {
      name: stageName($app.name, $app.stage, `${spec.file}-executions-failed`, 255),
      alarmDescription: `crossdeploy: an execution of ${stateMachineName(spec.file)} failed`,
      ...EXECUTIONS_FAILED_ALARM,
      dimensions: { StateMachineArn: machine.arn },
      alarmActions: [topic.arn],
    });
  });
  return { topic, alarms };
}
