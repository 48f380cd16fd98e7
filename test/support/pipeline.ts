import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { DeploymentMap } from '../../core/map/schema';
import { executionName } from '../../core/push';
import { approvalLinkIn, deliverGithubPush, type GithubPush } from '../../local/actors';
import { seedTarget } from '../../local/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import type { ExecutionRecord } from '../../local/step-functions';
import { mapOf, mapYaml, WEB } from './map';
import type { useMoto } from './moto';
import { TEST_TIME_SCALE } from './workflows';

/** A map like the example's, with two targets and a bake of one check so pipelines finish quickly. */
export function pipelineMap(prod: { approvalTimeout?: string; concurrency?: 'superseded' | 'queued' } = {}): string {
  return mapYaml(
    [{ ...WEB, more: ['paths: ["src/**"]'] }],
    `
  dev:
    targets: [{ account: "222222222222", regions: [us-east-1] }]
    bake: 30s
    health: { alarms: [web-5xx] }
  prod:
    approval: { topic: prod-approvals, timeout: ${prod.approvalTimeout ?? '24h'} }
    ${prod.concurrency ? `concurrency: ${prod.concurrency}` : ''}
    targets: [{ account: "333333333333", regions: [us-east-1] }]
    bake: 30s
    health: { alarms: [web-5xx] }
`,
  );
}

export const DEV = { account: '222222222222', region: 'us-east-1', cluster: 'demo', service: 'web', container: 'app' };
export const PROD = { account: '333333333333', region: 'us-east-1', cluster: 'demo', service: 'web', container: 'app' };

/** The whole local orchestrator over the test worker's moto, started fresh for every test. */
export function usePipelineStack(moto: ReturnType<typeof useMoto>, mapText: () => string = () => pipelineMap()) {
  let stack: LocalStack | undefined;
  let map: DeploymentMap;
  let mapFile = '';
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossdeploy-pipeline-'));
    mapFile = join(dir, 'crossdeploy.yaml');
    writeFileSync(mapFile, mapText());
    map = mapOf(mapText());
    delete process.env.CROSSDEPLOY_LINK_SIGNING_KEY;
    delete process.env.CROSSDEPLOY_GITHUB_WEBHOOK_SECRET;
    stack = await startLocalStack({
      map,
      mapFile,
      stateDir: join(dir, '.crossdeploy'),
      out: () => {},
      scheduler: moto.scheduler(),
      timeScale: TEST_TIME_SCALE,
      waitMs: 0,
    });
    for (const target of [DEV, PROD]) await seedTarget({ ...target, alarms: ['web-5xx'] });
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  const current = () => {
    if (!stack) throw new Error('the pipeline stack is not running');
    return stack;
  };
  /** Delivers a push as GitHub would and resolves with the webhook's answer. */
  const deliver = (push: Omit<GithubPush, 'repository'>, deliveryId?: string) =>
    deliverGithubPush(
      current().url,
      process.env.CROSSDEPLOY_GITHUB_WEBHOOK_SECRET ?? '',
      { repository: 'acme/web', ...push },
      deliveryId,
    );
  /** The pipeline of that push, once it has started. */
  const pipeline = (branch: string, commit: string): Promise<ExecutionRecord> =>
    current().runtime.stepFunctions.started(executionName('web', branch, commit));
  const finished = (execution: ExecutionRecord) => current().runtime.stepFunctions.finished(execution.executionArn);
  /** Pushes `commit` to production and resolves with its pipeline and the link prod's approver was sent. */
  const waitingForApproval = async (commit: string, message: string) => {
    const sent = current().nextApprovalMessage();
    await deliver({ branch: 'production', commit, message });
    const execution = await pipeline('production', commit);
    return { execution, link: approvalLinkIn(await sent) };
  };
  return {
    stack: current,
    map: () => map,
    mapFile: () => mapFile,
    deliver,
    pipeline,
    finished,
    waitingForApproval,
    /**
     * Three pipelines: main at commit a deploys dev; main at b fails, its bake tripping web-5xx in dev; production
     * at a, pushed with `productionMessage`, waits for prod's approver, who was sent `link`.
     */
    threePipelines: async (productionMessage = 'ship') => {
      const a = commit('a');
      await deliver({ branch: 'main', commit: a, message: 'one' });
      const succeeded = await finished(await pipeline('main', a));
      moto.scheduler().injectFault(DEV, { kind: 'alarm-after-rollout', alarm: 'web-5xx' });
      const b = commit('b');
      await deliver({ branch: 'main', commit: b, message: 'two' });
      const failed = await finished(await pipeline('main', b));
      const { execution: waiting, link } = await waitingForApproval(a, productionMessage);
      return { succeeded, failed, waiting, link };
    },
  };
}

export const commit = (label: string) => label.repeat(40).slice(0, 40);

/** Resolves once an execution has left the given state: the engine's own record, no clock involved. */
export async function past(execution: ExecutionRecord, state: string) {
  for (let turns = 0; !execution.history.some((e) => e.type === 'StateExited' && e.state === state); turns++) {
    if (execution.status !== 'RUNNING' || turns > 1_000_000) {
      throw new Error(`${execution.name} never got past "${state}" (${execution.status})`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}
