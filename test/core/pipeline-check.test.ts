import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PinnedImage, ServiceInstanceSpec } from '../../core/contracts';
import { loadMapFile } from '../../core/map/load';
import { pipelineRequestProblems } from '../../core/pipeline-check';
import { servicePipelineInput as pipelineInput, rollbackInput } from '../../core/pipeline-plan';
import type { PipelineInput, ProvisionInput, ProvisionStage } from '../../core/pipeline-types';
import { contentCommit, provisionInput } from '../../core/provision-plan';
import { mapOf, mapYaml, WEB } from '../support/map';

const example = loadMapFile(fileURLToPath(new URL('../../crossdeploy.yaml', import.meta.url)));
const commit = '0123456789abcdef0123456789abcdef01234567';
const image: PinnedImage = {
  repositoryUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web',
  digest: `sha256:${'c'.repeat(64)}`,
  uri: `111111111111.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'c'.repeat(64)}`,
};
const push = (branch: string) =>
  pipelineInput(example, 'web', {
    source: { github: 'acme/web' },
    branch,
    commit,
    author: 'Mona Lisa',
    message: 'Fix checkout',
    changedPaths: ['src/a.ts'],
  });
const rollback = (skipApproval = false) =>
  rollbackInput(example, 'web', {
    environment: 'prod',
    commit,
    image,
    requestedBy: 'arn:aws:sts::111111111111:assumed-role/oncall/jane',
    reason: 'checkout errors',
    skipApproval,
    now: new Date('2026-11-22T08:00:00Z'),
  });
const edited = (input: PipelineInput, edit: (copy: PipelineInput) => void): PipelineInput => {
  const copy = structuredClone(input);
  edit(copy);
  return copy;
};

describe('pipelineRequestProblems', () => {
  it.each<[string, PipelineInput]>([
    ["a push's pipeline as start-pipeline makes it", push('production')],
    ['a rollback behind its gate', rollback()],
    ['a rollback that skips its gate', rollback(true)],
  ])('accepts %s', (_, input) => {
    expect(pipelineRequestProblems(example, input)).toEqual([]);
  });

  it.each<[string, PipelineInput, string]>([
    [
      'a push whose gate was dropped',
      edited(push('production'), (i) => {
        if (i.stages[0]) i.stages[0].approval = null;
      }),
      'stages is not what the map gives',
    ],
    [
      'a push with an extra target',
      edited(push('main'), (i) => {
        i.stages[0]?.plan.waves[0]?.targets.push({
          account: '999999999999',
          region: 'us-east-1',
          cluster: 'c',
          service: 's',
          container: 'app',
        });
      }),
      'stages is not what the map gives',
    ],
    ['a push that brings its own image', { ...push('main'), built: { image } }, 'a push brings no image'],
    [
      'a push that says someone asked for it',
      { ...push('main'), requestedBy: 'mallory' },
      'requestedBy is not what the map gives',
    ],
    [
      'a push of a branch the service does not deploy',
      { ...push('main'), branch: 'feature/x' },
      'does not deploy branch "feature/x"',
    ],
    [
      'a rollback to two environments',
      edited(rollback(), (i) => i.stages.push(...structuredClone(i.stages))),
      'exactly one environment',
    ],
    [
      'a rollback with a wider wave',
      edited(rollback(), (i) => {
        if (i.stages[0]?.plan.waves[0]) i.stages[0].plan.waves[0].failureTolerance = 5;
      }),
      "is not the map's plan",
    ],
    [
      'a rollback to an image of another repository',
      {
        ...rollback(),
        built: { image: { ...image, repositoryUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/api' } },
      },
      "not from web's repository web",
    ],
    ['a service the map lacks', { ...push('main'), serviceName: 'api' }, 'no service "api"'],
  ])('refuses %s', (_, input, problem) => {
    expect(pipelineRequestProblems(example, input).join('; ')).toContain(problem);
  });
});

describe('a provisioning request held against the map', () => {
  const TEMPLATES = fileURLToPath(new URL('../fixtures/stack-templates', import.meta.url));
  const map = mapOf(
    mapYaml(
      [WEB],
      `
  dev:
    targets: [{ account: "222222222222", regions: [us-east-1] }]
  prod:
    approval: { topic: prod-approvals }
    template: { name: network, version: v1.1, inputs: { ClusterName: prod-cluster } }
    waves:
      - targets: [{ account: "333333333333", regions: [us-east-1] }]
      - targets: [{ account: "444444444444", regions: [us-east-1, eu-west-1] }]
`,
      `templates: ${TEMPLATES}`,
    ),
  );
  const provisioning = provisionInput(map, {
    environment: 'prod',
    commit: contentCommit('ab'.repeat(32)),
    requestedBy: 'arn:aws:sts::111111111111:assumed-role/platform/alice',
    requestId: 'req-1',
  });
  const changed = (edit: (copy: ProvisionInput) => void): ProvisionInput => {
    const copy = structuredClone(provisioning);
    edit(copy);
    return copy;
  };

  it("accepts the map's own provisioning of an environment", () => {
    expect(pipelineRequestProblems(map, provisioning)).toEqual([]);
  });

  it.each<[string, ProvisionInput, string]>([
    [
      'without the approval gate',
      changed((c) => {
        (c.stages[0] as ProvisionStage).approval = null;
      }),
      'stages is not what the map gives',
    ],
    [
      'with another template version',
      changed((c) => {
        c.template.version = 'v1.0';
      }),
      'template is not what the map gives',
    ],
    [
      'with a target the map lacks',
      changed((c) => {
        c.stages[0]?.plan.waves[0]?.targets.push({
          account: '999999999999',
          region: 'us-east-1',
          stackName: 'crossdeploy-env-prod',
        });
      }),
      'stages is not what the map gives',
    ],
    [
      'for two environments',
      changed((c) => {
        c.stages.push(c.stages[0] as ProvisionStage);
      }),
      'exactly one environment',
    ],
    [
      'with a commit that is not a content hash',
      changed((c) => {
        c.commit = 'main';
      }),
      'content hash',
    ],
    [
      'for an environment without a template',
      changed((c) => {
        (c.stages[0] as ProvisionStage).environment = 'dev';
      }),
      'environment "dev" names no template',
    ],
  ])('refuses one %s', (_, input, problem) => {
    expect(pipelineRequestProblems(map, input).join('; ')).toContain(problem);
  });
});

describe("pipelineRequestProblems for a service with a template: the service instance's plan is the map's", () => {
  const map = structuredClone(example);
  if (!map.services.web) throw new Error('example map without web');
  map.services.web.template = { name: 'web-service', version: 'v1.2', inputs: { DesiredCount: 3 } };
  const templatedPush = (branch: string) =>
    pipelineInput(map, 'web', {
      source: { github: 'acme/web' },
      branch,
      commit,
      author: 'Mona Lisa',
      message: 'Fix checkout',
      changedPaths: ['src/a.ts'],
    });
  const withInstance = (edit: (instance: ServiceInstanceSpec) => void) =>
    edited(templatedPush('main'), (i) => {
      const instance = i.stages[0]?.plan.deployment.serviceInstance;
      if (!instance) throw new Error('plan without a service instance');
      edit(instance);
    });

  it('accepts the pipeline the map gives', () => {
    expect(templatedPush('main').stages[0]?.plan.deployment.serviceInstance).not.toBeNull();
    expect(pipelineRequestProblems(map, templatedPush('main'))).toEqual([]);
  });

  it.each<[string, PipelineInput]>([
    [
      'another version',
      withInstance((instance) => {
        instance.template.version = 'v9.0';
      }),
    ],
    [
      'inputs of its own',
      withInstance((instance) => {
        instance.inputs.Image = 'attacker/image:latest';
      }),
    ],
    [
      'another stack',
      withInstance((instance) => {
        instance.stackName = 'crossdeploy-env-dev';
      }),
    ],
    [
      "another environment's stack",
      withInstance((instance) => {
        instance.environmentStack = 'crossdeploy-env-prod';
      }),
    ],
    [
      'no service instance at all',
      edited(templatedPush('main'), (i) => {
        if (i.stages[0]) i.stages[0].plan.deployment.serviceInstance = null;
      }),
    ],
  ])('refuses a push whose service instance has %s', (_, input) => {
    expect(pipelineRequestProblems(map, input)).toEqual(['stages is not what the map gives']);
  });

  it("refuses a push that adds a service instance the map's service does not have", () => {
    const input = edited(push('main'), (i) => {
      const instance = templatedPush('main').stages[0]?.plan.deployment.serviceInstance;
      if (i.stages[0] && instance) i.stages[0].plan.deployment.serviceInstance = instance;
    });
    expect(pipelineRequestProblems(example, input)).toEqual(['stages is not what the map gives']);
  });
});
