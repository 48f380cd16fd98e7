import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PinnedImage } from '../../core/contracts';
import { loadMapFile } from '../../core/map/load';
import { checkPipeline } from '../../core/pipeline-check';
import { servicePipelineInput as pipelineInput, rollbackInput } from '../../core/pipeline-plan';
import { type PipelineInput, type ProvisionInput, type StartedRun, startedRun } from '../../core/pipeline-types';
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
const edited = <T>(input: T, edit: (copy: T) => void): T => {
  const copy = structuredClone(input);
  edit(copy);
  return copy;
};

describe('checkPipeline: what in the input differs from the map', () => {
  it.each<[string, StartedRun]>([
    ["a push's pipeline as start-pipeline makes it", startedRun(push('production'))],
    ['a rollback behind its gate', startedRun(rollback())],
    ['a rollback that skips its gate', startedRun(rollback(true))],
  ])('accepts %s', (_, input) => {
    expect(checkPipeline(example, input).problems).toEqual([]);
  });

  it.each<[string, StartedRun | PipelineInput, string]>([
    [
      'a push whose gate was dropped',
      edited(startedRun(push('production')), (i) => {
        if (i.stages[0]) i.stages[0].approval = null;
      }),
      'stages is not what the map gives',
    ],
    ['a push that brings its own plan, one target more or not', push('main'), 'stages[0] brings a plan'],
    [
      'a push whose stage brings a field of its own',
      edited(startedRun(push('main')), (i) => {
        if (i.stages[0]) Object.assign(i.stages[0], { targets: [] });
      }),
      'stages[0] has a field the pipeline does not take: targets',
    ],
    ['a push that brings its own image', { ...startedRun(push('main')), built: { image } }, 'a push brings no image'],
    [
      'a push that says someone asked for it',
      { ...startedRun(push('main')), requestedBy: 'mallory' },
      'requestedBy is not what the map gives',
    ],
    [
      'a push of a branch the service does not deploy',
      { ...startedRun(push('main')), branch: 'feature/x' },
      'does not deploy branch "feature/x"',
    ],
    [
      'a rollback to two environments',
      edited(startedRun(rollback()), (i) => i.stages.push(...structuredClone(i.stages))),
      'exactly one environment',
    ],
    [
      "a rollback whose gate is not the map's",
      edited(startedRun(rollback()), (i) => {
        if (i.stages[0]) i.stages[0].concurrency = 'queued';
      }),
      "does not have the map's gates",
    ],
    ['a rollback that brings its own plan', rollback(), 'stages[0] brings a plan'],
    [
      'a rollback to an image of another repository',
      {
        ...startedRun(rollback()),
        built: { image: { ...image, repositoryUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/api' } },
      },
      "not from web's repository web",
    ],
    ['a service the map lacks', { ...startedRun(push('main')), serviceName: 'api' }, 'no service "api"'],
  ])('refuses %s', (_, input, problem) => {
    expect(checkPipeline(example, input).problems.join('; ')).toContain(problem);
  });
});

describe('checkPipeline', () => {
  it("hands on the map's plan of each environment the input names", () => {
    const planned = push('production');

    expect(checkPipeline(example, startedRun(planned))).toEqual({ problems: [], stages: planned.stages });
  });

  it("hands on a rollback without its gate when the input skips it, and the map's plan", () => {
    const [stage] = rollback().stages;

    expect(checkPipeline(example, startedRun(rollback(true))).stages).toEqual([{ ...stage, approval: null }]);
  });

  it('hands on nothing for an input with problems', () => {
    expect(checkPipeline(example, push('main'))).toEqual({
      problems: ['stages[0] brings a plan: the pipeline plans dev from the map'],
      stages: null,
    });
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
  const changed = (edit: (copy: StartedRun<ProvisionInput>) => void): StartedRun<ProvisionInput> => {
    const copy = structuredClone(startedRun(provisioning));
    edit(copy);
    return copy;
  };

  it("accepts the map's own provisioning of an environment", () => {
    expect(checkPipeline(map, startedRun(provisioning)).problems).toEqual([]);
  });

  it.each<[string, StartedRun | ProvisionInput, string]>([
    [
      'without the approval gate',
      changed((c) => {
        if (c.stages[0]) c.stages[0].approval = null;
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
    ['that brings its own plan', provisioning, 'stages[0] brings a plan'],
    [
      'for two environments',
      changed((c) => {
        if (c.stages[0]) c.stages.push(c.stages[0]);
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
        if (c.stages[0]) c.stages[0].environment = 'dev';
      }),
      'environment "dev" names no template',
    ],
  ])('refuses one %s', (_, input, problem) => {
    expect(checkPipeline(map, input).problems.join('; ')).toContain(problem);
  });
});

describe("checkPipeline for a service with a template: the service instance's plan is the map's", () => {
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

  it("plans the service instance from the map's template", () => {
    const planned = templatedPush('main');

    expect(planned.stages[0]?.plan.deployment.serviceInstance).not.toBeNull();
    expect(checkPipeline(map, startedRun(planned)).stages).toEqual(planned.stages);
  });

  it('refuses a push that brings its own service instance', () => {
    const input = structuredClone(templatedPush('main'));
    const instance = input.stages[0]?.plan.deployment.serviceInstance;
    if (!instance) throw new Error('plan without a service instance');
    instance.inputs.Image = 'attacker/image:latest';

    expect(checkPipeline(map, input).problems).toEqual([
      'stages[0] brings a plan: the pipeline plans dev from the map',
    ]);
  });
});
