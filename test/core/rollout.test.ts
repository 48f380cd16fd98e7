import { describe, expect, it } from 'vitest';
import type { FailureEvidence, RolloutState } from '../../core/contracts';
import { InvalidStepInput } from '../../core/errors';
import {
  type DeploymentSnapshot,
  isSteady,
  rolloutVerdict,
  type ServiceEventSnapshot,
  type ServiceSnapshot,
} from '../../core/rollout';
import circuitBreakerFailed from '../fixtures/aws/describe-services-circuit-breaker-failed.json';
import completed from '../fixtures/aws/describe-services-completed.json';
import ecsRollback from '../fixtures/aws/describe-services-ecs-rollback.json';
import inProgress from '../fixtures/aws/describe-services-in-progress.json';
import overwritten from '../fixtures/aws/describe-services-overwritten.json';

const SINCE = '2024-05-14T10:00:00Z';
const revision = (n: number) => `arn:aws:ecs:eu-west-1:222222222222:task-definition/web:${n}`;
const WEB_7 = revision(7);
const WEB_8 = revision(8);
const WEB_9 = revision(9);
const OLD_DEPLOYMENT = 'ecs-svc/3150473405418742417';

type Snapshot = ServiceSnapshot & { deployments: DeploymentSnapshot[]; events: ServiceEventSnapshot[] };

/** The service of a DescribeServices answer, copied so that a case can edit it. */
function snapshot(answer: { services: Snapshot[] }, edit: (service: Snapshot) => void = () => {}): Snapshot {
  const [service] = structuredClone(answer.services);
  if (service === undefined) throw new Error('fixture without a service');
  edit(service);
  return service;
}

function deployment(service: Snapshot, taskDefinition: string): DeploymentSnapshot {
  const found = service.deployments.find((d) => d.taskDefinition === taskDefinition);
  if (found === undefined) throw new Error(`fixture without a deployment of ${taskDefinition}`);
  return found;
}

const withoutRollbackEvents = (service: Snapshot) => {
  service.events = service.events.filter((e) => !e.message?.includes('rolling back'));
};

describe('rolloutVerdict', () => {
  it.each<{ name: string; service: Snapshot; state: RolloutState; failure?: FailureEvidence; summary?: string }>([
    {
      name: 'is in progress while new tasks start and the old ones still run',
      service: snapshot(inProgress),
      state: 'IN_PROGRESS',
      summary: '2/3 running, 1 pending, 3 tasks of earlier deployments running (rollout IN_PROGRESS)',
    },
    {
      name: 'is completed when ECS completed the rollout and only our revision runs',
      service: snapshot(completed),
      state: 'COMPLETED',
      summary: '3/3 running, 0 pending (rollout COMPLETED) on web:8',
    },
    {
      name: 'is completed when the earlier deployment is still listed but runs nothing',
      service: snapshot(inProgress, (s) => {
        Object.assign(deployment(s, WEB_8), { rolloutState: 'COMPLETED', runningCount: 3, pendingCount: 0 });
        Object.assign(deployment(s, WEB_7), { runningCount: 0, desiredCount: 0 });
      }),
      state: 'COMPLETED',
    },
    {
      name: 'is completed on counts alone when ECS reports no rollout state',
      service: snapshot(completed, (s) => {
        delete deployment(s, WEB_8).rolloutState;
      }),
      state: 'COMPLETED',
    },
    {
      name: 'waits for the earlier deployment to drain after ECS calls the rollout completed',
      service: snapshot(inProgress, (s) => {
        Object.assign(deployment(s, WEB_8), { rolloutState: 'COMPLETED', runningCount: 3, pendingCount: 0 });
        deployment(s, WEB_7).runningCount = 1;
      }),
      state: 'IN_PROGRESS',
      summary: '3/3 running, 0 pending, 1 tasks of earlier deployments running (rollout COMPLETED)',
    },
    {
      name: 'waits while fewer tasks run than desired after ECS calls the rollout completed',
      service: snapshot(completed, (s) => {
        deployment(s, WEB_8).runningCount = 2;
      }),
      state: 'IN_PROGRESS',
    },
    {
      name: 'keeps waiting on failed tasks, naming them and the newest problem event',
      service: snapshot(inProgress, (s) => {
        deployment(s, WEB_8).failedTasks = 2;
        s.events.unshift({
          createdAt: '2024-05-14T10:03:12.480000+00:00',
          message: '(service web) (task 2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7) failed container health checks.',
        });
      }),
      state: 'IN_PROGRESS',
      summary:
        '2/3 running, 1 pending, 2 failed tasks, 3 tasks of earlier deployments running (rollout IN_PROGRESS); ' +
        '(service web) (task 2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7) failed container health checks.',
    },
    {
      name: 'fails with the circuit breaker reason and the newest failure event',
      service: snapshot(circuitBreakerFailed),
      state: 'FAILED',
      failure: {
        check: 'circuit-breaker',
        evidence:
          'ECS deployment circuit breaker: tasks failed to start.; ' +
          '(service web) (deployment ecs-svc/7981736214930517563) deployment failed: tasks failed to start.',
      },
    },
    {
      name: 'reports an ECS rollback, never completion, when ECS put the old revision back',
      service: snapshot(ecsRollback),
      state: 'ROLLED_BACK_BY_ECS',
      failure: {
        check: 'circuit-breaker',
        evidence: `ECS deployment circuit breaker: tasks failed to start.; (service web) rolling back to deployment ${OLD_DEPLOYMENT}.`,
      },
      summary: `ECS rolled back to web:7, now 3/3 running, 0 pending (rollout COMPLETED); ECS deployment circuit breaker: tasks failed to start.; (service web) rolling back to deployment ${OLD_DEPLOYMENT}.`,
    },
    {
      name: 'reports an ECS rollback once our failed deployment is gone from the list',
      service: snapshot(ecsRollback, (s) => {
        s.deployments = s.deployments.filter((d) => d.taskDefinition !== WEB_8);
      }),
      state: 'ROLLED_BACK_BY_ECS',
      failure: { check: 'circuit-breaker', evidence: `(service web) rolling back to deployment ${OLD_DEPLOYMENT}.` },
    },
    {
      name: 'reports an ECS rollback while the rollback deployment is still in progress',
      service: snapshot(ecsRollback, (s) => {
        withoutRollbackEvents(s);
        Object.assign(s.deployments[0] ?? {}, { rolloutState: 'IN_PROGRESS', runningCount: 1, pendingCount: 2 });
      }),
      state: 'ROLLED_BACK_BY_ECS',
      failure: {
        check: 'circuit-breaker',
        evidence: `ECS deployment circuit breaker: tasks failed to start.; ECS deployment circuit breaker: rolling back to deploymentId ${OLD_DEPLOYMENT}.`,
      },
    },
    {
      name: 'reports an ECS rollback from the rollback deployment reason alone',
      service: snapshot(ecsRollback, (s) => {
        withoutRollbackEvents(s);
        s.deployments = s.deployments.filter((d) => d.taskDefinition !== WEB_8);
      }),
      state: 'ROLLED_BACK_BY_ECS',
      failure: {
        check: 'circuit-breaker',
        evidence: `ECS deployment circuit breaker: rolling back to deploymentId ${OLD_DEPLOYMENT}.`,
      },
    },
    {
      name: 'reports an ECS rollback from our failed deployment alone once the rollback reads completed',
      service: snapshot(ecsRollback, (s) => {
        withoutRollbackEvents(s);
        deployment(s, WEB_7).rolloutStateReason = 'ECS deployment ecs-svc/5466218390261739911 completed.';
      }),
      state: 'ROLLED_BACK_BY_ECS',
      failure: {
        check: 'circuit-breaker',
        evidence:
          'ECS deployment circuit breaker: tasks failed to start.; ECS deployment ecs-svc/5466218390261739911 completed.',
      },
    },
    {
      name: 'fails, naming the revision that runs now, when someone else deployed over us',
      service: snapshot(overwritten),
      state: 'FAILED',
      failure: {
        check: 'rollout',
        evidence: `${WEB_8} is no longer being deployed: the service runs ${WEB_9} (deployment ecs-svc/0826611352283316472, rollout IN_PROGRESS)`,
      },
    },
    {
      name: 'fails when someone else deployed over us while our tasks still drain',
      service: snapshot(overwritten, (s) => {
        s.deployments.push({
          id: 'ecs-svc/7981736214930517563',
          status: 'ACTIVE',
          taskDefinition: WEB_8,
          desiredCount: 0,
          runningCount: 2,
          pendingCount: 0,
          rolloutState: 'IN_PROGRESS',
          rolloutStateReason: 'ECS deployment ecs-svc/7981736214930517563 in progress.',
        });
      }),
      state: 'FAILED',
      failure: expect.objectContaining({ check: 'rollout', evidence: expect.stringContaining(WEB_9) }),
    },
    {
      name: 'waits while ECS lists our deployment without a PRIMARY',
      service: snapshot(inProgress, (s) => {
        deployment(s, WEB_8).status = 'ACTIVE';
      }),
      state: 'IN_PROGRESS',
      summary: '2/3 running, 1 pending (rollout IN_PROGRESS), no PRIMARY deployment yet',
    },
    {
      name: 'fails when the service has no deployments left',
      service: snapshot(completed, (s) => {
        s.status = 'DRAINING';
        s.deployments = [];
      }),
      state: 'FAILED',
      failure: { check: 'rollout', evidence: 'service web has no deployments (status DRAINING)' },
    },
  ])('$name', ({ service, state, failure, summary }) => {
    const verdict = rolloutVerdict(service, { taskDefinitionArn: WEB_8, since: SINCE });

    expect(verdict.state).toBe(state);
    expect(verdict.failure).toEqual(failure);
    if (summary !== undefined) expect(verdict.summary).toBe(summary);
  });

  it.each([
    { since: SINCE, mentioned: false },
    { since: '2024-05-13T16:00:00Z', mentioned: true },
  ])('shows the placement failure of an earlier deployment only when it is after $since', ({ since, mentioned }) => {
    const verdict = rolloutVerdict(snapshot(inProgress), { taskDefinitionArn: WEB_8, since });

    expect(verdict.summary.includes('unable to place a task')).toBe(mentioned);
  });

  it('takes the Date objects of SDK answers as well as the strings of CLI answers', () => {
    const dated = snapshot(circuitBreakerFailed, (s) => {
      for (const item of [...s.events, ...s.deployments]) item.createdAt = new Date(item.createdAt ?? '');
    });

    expect(rolloutVerdict(dated, { taskDefinitionArn: WEB_8, since: new Date(SINCE) })).toEqual(
      rolloutVerdict(snapshot(circuitBreakerFailed), { taskDefinitionArn: WEB_8, since: SINCE }),
    );
  });

  it('rejects a start time that is not a date', () => {
    expect(() => rolloutVerdict(snapshot(inProgress), { taskDefinitionArn: WEB_8, since: 'yesterday' })).toThrow(
      InvalidStepInput,
    );
  });
});

describe('isSteady', () => {
  it.each<{ name: string; service: Snapshot; taskDefinitionArn: string; steady: boolean }>([
    {
      name: 'a completed rollout of the revision',
      service: snapshot(completed),
      taskDefinitionArn: WEB_8,
      steady: true,
    },
    { name: 'a rollout in progress', service: snapshot(inProgress), taskDefinitionArn: WEB_8, steady: false },
    {
      name: 'another revision than the one running',
      service: snapshot(completed),
      taskDefinitionArn: WEB_7,
      steady: false,
    },
    { name: 'the revision ECS rolled back to', service: snapshot(ecsRollback), taskDefinitionArn: WEB_7, steady: true },
    { name: 'a failed rollout', service: snapshot(circuitBreakerFailed), taskDefinitionArn: WEB_8, steady: false },
    {
      name: 'all desired tasks running before ECS marks the rollout completed',
      service: snapshot(completed, (s) => {
        deployment(s, WEB_8).rolloutState = 'IN_PROGRESS';
      }),
      taskDefinitionArn: WEB_8,
      steady: true,
    },
    {
      name: 'a completed rollout that lost a task',
      service: snapshot(completed, (s) => {
        deployment(s, WEB_8).runningCount = 2;
      }),
      taskDefinitionArn: WEB_8,
      steady: true,
    },
    {
      name: 'a completed rollout with tasks of an earlier deployment still running',
      service: snapshot(inProgress, (s) => {
        Object.assign(deployment(s, WEB_8), { rolloutState: 'COMPLETED', runningCount: 3, pendingCount: 0 });
      }),
      taskDefinitionArn: WEB_8,
      steady: false,
    },
    {
      name: 'a service being deleted',
      service: snapshot(completed, (s) => {
        s.status = 'DRAINING';
      }),
      taskDefinitionArn: WEB_8,
      steady: false,
    },
  ])('is $steady for $name', ({ service, taskDefinitionArn, steady }) => {
    expect(isSteady(service, taskDefinitionArn)).toBe(steady);
  });
});
