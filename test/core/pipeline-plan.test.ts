import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PinnedImage } from '../../core/contracts';
import { loadMapFile, parseMap } from '../../core/map/load';
import { planEnvironment } from '../../core/map/plan';
import type { DeploymentMap } from '../../core/map/schema';
import {
  buildSourceOf,
  deploymentIdOf,
  MAX_PIPELINE_MESSAGE,
  pipelineInput,
  rollbackInput,
} from '../../core/pipeline-plan';
import type { PushEvent } from '../../core/pipeline-types';
import { executionName } from '../../core/push';
import { payloadBytes } from '../../core/step-functions-limits';

const example = loadMapFile(fileURLToPath(new URL('../../crossdeploy.yaml', import.meta.url)));

const commit = '0123456789abcdef0123456789abcdef01234567';
const push = (branch: string): PushEvent => ({
  source: { github: 'acme/web' },
  branch,
  commit,
  author: 'Mona Lisa',
  message: 'Fix checkout',
  changedPaths: ['src/checkout.ts'],
  deliveryId: 'd-1',
});

/** What planEnvironment says for the stage: everything but the image the pipeline has not built yet. */
function planWithoutImage(map: DeploymentMap, environment: string, deploymentId: string) {
  return planEnvironment(map, 'web', environment, { deploymentId, commit });
}

describe('pipelineInput on the example map', () => {
  it('deploys main to dev only, without approval', () => {
    const pipelineId = executionName('web', 'main', commit);

    expect(pipelineInput(example, 'web', push('main'))).toStrictEqual({
      pipelineId,
      kind: 'deploy',
      requestedBy: null,
      serviceName: 'web',
      branch: 'main',
      commit,
      author: 'Mona Lisa',
      message: 'Fix checkout',
      repository: 'web',
      orchestrator: { account: '111111111111', region: 'us-east-1' },
      test: '',
      source: { type: 'GITHUB', location: 'https://github.com/acme/web.git' },
      // The example's web builds both platforms: on x86_64, with arm64 emulated.
      build: {
        environmentType: 'LINUX_CONTAINER',
        image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
        platforms: 'linux/amd64,linux/arm64',
        emulate: 'arm64',
      },
      stages: [
        {
          environment: 'dev',
          approval: null,
          concurrency: 'superseded',
          plan: planWithoutImage(example, 'dev', `${pipelineId}-dev`),
        },
      ],
    });
  });

  it('deploys production to prod behind the prod-approvals gate of 24 hours', () => {
    const input = pipelineInput(example, 'web', push('production'));

    expect(input.stages).toHaveLength(1);
    expect(input.stages[0]).toMatchObject({
      environment: 'prod',
      approval: { topic: 'prod-approvals', timeoutSeconds: 86400 },
      concurrency: 'superseded',
    });
    expect(input.stages[0]?.plan.deployment.deploymentId).toBe(`${input.pipelineId}-prod`);
  });

  it('gives an empty test command, never null, when the map has none (the build hands it to CodeBuild, which refuses null)', () => {
    for (const branch of ['main', 'production']) expect(pipelineInput(example, 'web', push(branch)).test).toBe('');
  });

  it("keeps the first 1,000 characters of a long commit message, so the pipeline's input stays small", () => {
    const long = { ...push('main'), message: `Fix checkout\n\n${'details '.repeat(20_000)}` };

    const input = pipelineInput(example, 'web', long);

    expect(input.message).toHaveLength(MAX_PIPELINE_MESSAGE);
    expect(input.message).toMatch(/^Fix checkout\n\ndetails .* … \(cut\)$/s);
    expect(payloadBytes(input)).toBeLessThan(10_000);
  });

  it('carries no image in any stage plan', () => {
    const input = pipelineInput(example, 'web', push('main'));
    expect(input.stages.every((stage) => !('image' in stage.plan.deployment))).toBe(true);
  });

  it('is plain JSON: a JSON round trip gives the same value', () => {
    const input = pipelineInput(example, 'web', push('production'));
    expect(JSON.parse(JSON.stringify(input))).toStrictEqual(input);
  });

  it('refuses a branch the service does not deploy', () => {
    expect(() => pipelineInput(example, 'web', push('feature/x'))).toThrow(/does not deploy branch "feature\/x"/);
  });
});

describe('pipelineInput with the optional settings', () => {
  const result = parseMap(`
orchestrator: { account: "111111111111", region: us-east-1 }
services:
  web:
    source: { codecommit: web }
    repository: web
    container: app
    cluster: demo
    service: web
    test: npm test
    branches: { main: [dev, prod] }
environments:
  dev:
    targets: [{ account: "222222222222", regions: [us-east-1] }]
    concurrency: queued
  prod:
    targets: [{ account: "333333333333", regions: [us-east-1] }]
    approval: { topic: release-approvals }
deployRole: crossdeploy-deploy
`);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const input = pipelineInput(result.map, 'web', { ...push('main'), source: { codecommit: 'web' } });

  it('keeps the order of the branch environments, with each one its concurrency', () => {
    expect(input.stages.map((s) => [s.environment, s.concurrency])).toEqual([
      ['dev', 'queued'],
      ['prod', 'superseded'],
    ]);
  });

  it('defaults an approval without timeout to 24 hours', () => {
    expect(input.stages[1]?.approval).toEqual({ topic: 'release-approvals', timeoutSeconds: 86400 });
  });

  it("passes on the service's test command", () => {
    expect(input.test).toBe('npm test');
  });
});

describe('rollbackInput', () => {
  const image: PinnedImage = {
    repositoryUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web',
    digest: `sha256:${'c'.repeat(64)}`,
    uri: `111111111111.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'c'.repeat(64)}`,
  };
  const request = {
    environment: 'prod',
    commit,
    image,
    requestedBy: 'arn:aws:sts::111111111111:assumed-role/oncall/jane',
    reason: 'checkout errors',
    skipApproval: false,
    now: new Date('2026-11-22T08:15:30Z'),
  };

  it('brings its image, builds nothing, and deploys one environment behind its gate', () => {
    const input = rollbackInput(example, 'web', request);

    expect(input).toMatchObject({
      pipelineId: executionName('web', 'prod-rollback-20261122081530', commit),
      kind: 'rollback',
      requestedBy: request.requestedBy,
      built: { image },
      commit,
      author: request.requestedBy,
      message: 'rollback to 0123456: checkout errors',
    });
    expect(input.stages.map((s) => [s.environment, s.approval?.topic])).toEqual([['prod', 'prod-approvals']]);
    expect(input.stages[0]?.plan.deployment.deploymentId).toBe(deploymentIdOf(input.pipelineId, 'prod'));
  });

  it('drops the gate when the approval is skipped', () => {
    expect(rollbackInput(example, 'web', { ...request, skipApproval: true }).stages[0]?.approval).toBeNull();
  });

  it('names each rollback by the second it was asked for', () => {
    const later = rollbackInput(example, 'web', { ...request, now: new Date('2026-11-22T08:15:31Z') });
    expect(later.pipelineId).not.toBe(rollbackInput(example, 'web', request).pipelineId);
  });
});

describe('buildSourceOf', () => {
  it("gives CodeBuild the GitHub repository's clone URL", () => {
    expect(buildSourceOf({ github: 'acme/web' }, 'eu-west-1')).toEqual({
      type: 'GITHUB',
      location: 'https://github.com/acme/web.git',
    });
  });

  it("gives CodeBuild the CodeCommit repository of the orchestrator's region", () => {
    expect(buildSourceOf({ codecommit: 'web' }, 'eu-west-1')).toEqual({
      type: 'CODECOMMIT',
      location: 'https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/web',
    });
    expect(buildSourceOf({ codecommit: 'web' }, 'cn-north-1').location).toBe(
      'https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/web',
    );
  });
});

describe('deploymentIdOf', () => {
  it('is <pipelineId>-<environment> when that fits 52 characters', () => {
    expect(deploymentIdOf('web-main-0123456-1a2b3c4d', 'prod')).toBe('web-main-0123456-1a2b3c4d-prod');
  });

  it('cuts a long pipeline id to 52 characters, keeps the environment, and stays unique', () => {
    const a = executionName('web', `feature/${'x'.repeat(100)}-a`, commit);
    const b = executionName('web', `feature/${'x'.repeat(100)}-b`, commit);
    const ids = [deploymentIdOf(a, 'dev'), deploymentIdOf(a, 'prod'), deploymentIdOf(b, 'dev')];

    for (const id of ids) expect(id.length).toBeLessThanOrEqual(52);
    expect(ids[0]).toMatch(/^web-feature-x+-[0-9a-f]{8}-dev$/);
    expect(new Set(ids).size).toBe(3);
  });

  it("leaves room for the per-target execution name within Step Functions' 80 characters", () => {
    const pipelineId = executionName('checkout-service', 'release/2024-q3', commit);
    const targetExecution = `${deploymentIdOf(pipelineId, 'production')}-222222222222-ap-southeast-2`;
    expect(targetExecution.length).toBeLessThanOrEqual(80);
  });

  it('stays within 52 characters and unique even for absurdly long environment names', () => {
    const pipelineId = executionName('web', 'main', commit);
    const a = deploymentIdOf(pipelineId, `${'e'.repeat(70)}-a`);
    const b = deploymentIdOf(pipelineId, `${'e'.repeat(70)}-b`);
    expect(a.length).toBeLessThanOrEqual(52);
    expect(a).not.toBe(b);
  });
});

describe('attempts of a commit on its branch', () => {
  const longBranch = `feature/${'x'.repeat(100)}`;

  it('names the first attempt as before and each later one with -a<n>, every name within 80 characters', () => {
    expect(executionName('web', 'main', commit, 1)).toBe(executionName('web', 'main', commit));
    expect(executionName('web', 'main', commit, 2)).toBe(`${executionName('web', 'main', commit)}-a2`);
    for (const attempt of [1, 2, 10, 99]) {
      const name = executionName('checkout-service', longBranch, commit, attempt);
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(new RegExp(`-0123456-[0-9a-f]{8}${attempt === 1 ? '' : `-a${attempt}`}$`));
    }
  });

  it('gives every attempt child names of its own, within 80 characters, since Step Functions keeps names 90 days', () => {
    const parsed = parseMap(`
orchestrator: { account: "111111111111", region: us-east-1 }
services:
  checkout-service-with-a-long-name:
    source: { github: acme/checkout }
    repository: checkout
    container: app
    cluster: shop
    service: checkout
    branches: { main: [production], "${longBranch}": [production] }
environments:
  production:
    targets: [{ account: "222222222222", regions: [ap-southeast-2, us-east-1] }]
deployRole: crossdeploy-deploy
`);
    if (!parsed.ok) throw new Error('the test map is invalid');
    for (const branch of ['main', longBranch]) {
      const children = [1, 2, 3].flatMap((attempt) => {
        const input = pipelineInput(parsed.map, 'checkout-service-with-a-long-name', push(branch), { attempt });
        return input.stages.flatMap((stage) => [
          stage.plan.deployment.deploymentId,
          ...stage.plan.waves.flatMap((wave) =>
            wave.targets.map((t) => `${stage.plan.deployment.deploymentId}-${t.account}-${t.region}`),
          ),
        ]);
      });
      expect(children).toHaveLength(9);
      for (const name of children) expect(name.length).toBeLessThanOrEqual(80);
      expect(new Set(children).size).toBe(children.length);
    }
  });

  it('refuses an attempt outside 1 to 99', () => {
    for (const attempt of [0, 100, 1.5]) {
      expect(() => executionName('web', 'main', commit, attempt)).toThrow(
        /attempt must be a whole number from 1 to 99/,
      );
    }
  });
});
