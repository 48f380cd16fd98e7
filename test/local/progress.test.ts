import { describe, expect, it } from 'vitest';
import { progressPrinter } from '../../local/progress';
import type { ExecutionRecord } from '../../local/step-functions';

const TARGET = { account: '222222222222', region: 'eu-west-1', cluster: 'demo', service: 'web', container: 'app' };

function execution(stateMachine: string, input: unknown, name = `${stateMachine}-1`): ExecutionRecord {
  return {
    name,
    executionArn: `arn:aws:states:us-east-1:111111111111:execution:crossdeploy-local-${stateMachine}:${name}`,
    stateMachine,
    status: 'RUNNING',
    input,
    startDate: new Date(0),
    history: [],
  };
}

function narrated(runs: [ExecutionRecord, { type: string; state?: string }][]): string[] {
  const lines: string[] = [];
  const print = progressPrinter(
    (line) => lines.push(line.replace(/^\s*[\d.]+s\s+/, '').replace(/\s{2,}/g, ' | ')),
    () => 0,
  );
  for (const [record, event] of runs) print(record, { timestamp: 0, ...event });
  return lines;
}

describe('progressPrinter', () => {
  it('names each execution by what it deploys: the pipeline, the environment, each target and each rollback', () => {
    const pipeline = execution('pipeline', { serviceName: 'web', branch: 'main', kind: 'deploy' });
    const environment = execution('deploy-environment', {
      targetKind: 'ecs-service',
      deployment: { environment: 'dev' },
    });
    const target = execution('deploy-target', { deployment: { environment: 'dev' }, target: TARGET });
    const rollback = execution('rollback-target', { environment: 'dev', target: TARGET });

    expect(
      narrated([
        [pipeline, { type: 'StateEntered', state: 'Build image once' }],
        [environment, { type: 'ExecutionStarted' }],
        [target, { type: 'StateEntered', state: 'Update service in target account' }],
        [target, { type: 'ExecutionSucceeded' }],
        [rollback, { type: 'ExecutionSucceeded' }],
      ]),
    ).toEqual([
      'web main pipeline | Build image once',
      'dev environment | started deploy-environment-1',
      'dev 222222222222/eu-west-1 | Update service in target account',
      'dev 222222222222/eu-west-1 | ✔ deployed and baked',
      'dev 222222222222/eu-west-1 | ✔ rolled back and steady',
    ]);
  });

  it('tells a step of a wait loop once, and skips the loop’s own choices', () => {
    const target = execution('deploy-target', { deployment: { environment: 'dev' }, target: TARGET });

    expect(
      narrated([
        [target, { type: 'StateEntered', state: 'Check rollout' }],
        [target, { type: 'StateEntered', state: 'Is the rollout done?' }],
        [target, { type: 'StateEntered', state: 'Check rollout' }],
      ]),
    ).toEqual(['dev 222222222222/eu-west-1 | Check rollout']);
  });
});
