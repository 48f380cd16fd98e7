import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PinnedImage } from '../../core/contracts';
import { loadMapFile } from '../../core/map/load';
import { pipelineRequestProblems } from '../../core/pipeline-check';
import { pipelineInput, rollbackInput } from '../../core/pipeline-plan';
import type { PipelineInput } from '../../core/pipeline-types';

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
