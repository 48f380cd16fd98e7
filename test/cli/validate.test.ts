import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run as schema } from '../../cli/schema';
import { run as validate } from '../../cli/validate';
import { capture } from '../support/cli';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/maps', import.meta.url));

describe('crossdeploy validate', () => {
  it('validates crossdeploy.yaml in the working directory by default', async () => {
    const { io, out, err } = capture(repoRoot);
    expect(await validate([], io)).toBe(0);
    expect(out).toEqual(['crossdeploy.yaml is valid: 1 service, 1 application stack, 2 environments, 4 targets']);
    expect(err).toEqual([]);
  });

  it.each([['--map', 'valid.yaml'], ['--map=valid.yaml']])('validates the map given with %s', async (...args) => {
    const { io, out } = capture(fixtures);
    expect(await validate(args, io)).toBe(0);
    expect(out).toEqual(['valid.yaml is valid: 1 service, 2 environments, 5 targets']);
  });

  it('takes a wave asking for 50 targets at a time without a warning: a Distributed Map runs up to 10,000', async () => {
    const { io, err } = capture(fixtures);
    expect(await validate(['--map', 'valid.yaml'], io)).toBe(0);
    expect(err).toEqual([]);
  });

  it('prints every error as FILE:LINE  PATH  MESSAGE and exits 1', async () => {
    const { io, out, err } = capture(fixtures);
    expect(await validate(['--map', 'invalid.yaml'], io)).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      'invalid.yaml:3  orchestrator.account  account IDs must be quoted strings: write "111111111111" in quotes ' +
        '(unquoted, YAML reads a number and drops any leading zeros)',
      'invalid.yaml:13  services.web.branches.main[1]  unknown environment "qa" (environments: dev)',
      'invalid.yaml:17  environments.dev.targets[0].regions[1]  "useast1" is not an AWS region like us-east-1',
      'invalid.yaml:18  environments.dev.bak  unknown key "bak"',
    ]);
  });

  describe('a repository deployed to 400 accounts', () => {
    /** `targets` lists the 400 accounts as one wave; with `waveSize`, `waves` deploys them that many at a time. */
    const mapOf = (ecr: string, waveSize?: number) => {
      const account = (i: number) => `{ account: "${200000000000 + i}", regions: [us-east-1] }`;
      const ids = Array.from({ length: 400 }, (_, i) => i);
      const waveOf = (from: number, size: number) =>
        ids
          .slice(from, from + size)
          .map(account)
          .join(', ');
      const accounts =
        waveSize === undefined
          ? ['    targets:', ...ids.map((i) => `      - ${account(i)}`)]
          : [
              '    waves:',
              ...ids.filter((i) => i % waveSize === 0).map((i) => `      - targets: [${waveOf(i, waveSize)}]`),
            ];
      const dir = mkdtempSync(join(tmpdir(), 'crossdeploy-validate-'));
      writeFileSync(
        join(dir, 'many.yaml'),
        [
          'orchestrator: { account: "111111111111", region: us-east-1 }',
          'services:',
          '  web:',
          '    source: { github: acme/web }',
          '    repository: web',
          '    container: app',
          '    cluster: demo',
          '    service: web',
          '    branches: { main: [prod] }',
          'environments:',
          '  prod:',
          ...accounts,
          'deployRole: crossdeploy-deploy',
          ecr,
        ].join('\n'),
      );
      return dir;
    };

    it('is refused with the account count and the policy length, when the map names no organization', async () => {
      const { io, out, err } = capture(mapOf(''));

      expect(await validate(['--map', 'many.yaml'], io)).toBe(1);
      expect(out).toEqual([]);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(
        /^many\.yaml:\d+ {2}ecr {2}repository "web" is deployed to 400 accounts: a pull grant naming each makes a repository policy of \d{5} characters, and ECR accepts at most 10240\. Set ecr\.principalOrgId/,
      );
    });

    it('is valid when the map grants by organization and deploys in waves of 200', async () => {
      const { io, out, err } = capture(mapOf('ecr: { principalOrgId: o-a1b2c3d4e5 }', 200));

      expect(await validate(['--map', 'many.yaml'], io)).toBe(0);
      expect(err).toEqual([]);
      expect(out).toEqual(['many.yaml is valid: 1 service, 1 environment, 400 targets']);
    });

    it('is valid with the 400 targets in one wave: the wave runs as a Distributed Map over targets kept in S3', async () => {
      const { io, out, err } = capture(mapOf('ecr: { principalOrgId: o-a1b2c3d4e5 }'));

      expect(await validate(['--map', 'many.yaml'], io)).toBe(0);
      expect(err).toEqual([]);
      expect(out).toEqual(['many.yaml is valid: 1 service, 1 environment, 400 targets']);
    });
  });

  it('prints YAML syntax errors with their line and no path', async () => {
    const { io, err } = capture(fixtures);
    expect(await validate(['--map', 'broken.yaml'], io)).toBe(1);
    expect(err).toEqual(['broken.yaml:4  Map keys must be unique']);
  });

  it('exits 1 with a clear message when the map does not exist', async () => {
    const { io, err } = capture(fixtures);
    expect(await validate(['--map', 'missing.yaml'], io)).toBe(1);
    expect(err).toEqual([`crossdeploy validate: deployment map ${fixtures}/missing.yaml does not exist`]);
  });

  it.each([[['--strict']], [['valid.yaml']], [['--map']]])('exits 2 with usage for %j', async (args) => {
    const { io, out, err } = capture(fixtures);
    expect(await validate(args, io)).toBe(2);
    expect(out).toEqual([]);
    expect(err.at(-1)).toMatch(/^usage: crossdeploy validate \[--map FILE\]/);
  });

  it('prints usage for --help and exits 0', async () => {
    const { io, out } = capture(fixtures);
    expect(await validate(['--help'], io)).toBe(0);
    expect(out[0]).toMatch(/^usage: crossdeploy validate/);
  });
});

describe('crossdeploy schema', () => {
  it('prints a titled JSON Schema of the map as authors write it', async () => {
    const { io, out } = capture(fixtures);
    expect(await schema([], io)).toBe(0);
    const printed = JSON.parse(out.join('\n'));
    expect(printed).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'crossdeploy deployment map',
      type: 'object',
      required: ['orchestrator', 'services', 'environments', 'deployRole'],
      additionalProperties: false,
    });
    const environment = printed.properties.environments.additionalProperties;
    expect(environment.properties.bake).toMatchObject({ type: 'string', default: '0s' });
    expect(Object.keys(environment.properties)).toEqual(
      expect.arrayContaining(['targets', 'waves', 'health', 'approval', 'rollout', 'concurrency']),
    );
  });

  it('exits 2 with usage for unknown flags', async () => {
    const { io, err } = capture(fixtures);
    expect(await schema(['--yaml'], io)).toBe(2);
    expect(err.at(-1)).toMatch(/^usage: crossdeploy schema/);
  });
});
