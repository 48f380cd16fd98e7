import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { payloadBudgetFindings } from '../../core/payload-budget';
import { mapOf, mapYaml, WEB } from '../support/map';

const example = readFileSync(fileURLToPath(new URL('../../crossdeploy.yaml', import.meta.url)), 'utf8');

/** One entry of an environment's targets: an account and its regions, as the map lists them. */
interface Entry {
  account: string;
  regions: string[];
}

const TWO_REGIONS = ['us-east-1', 'eu-west-1'];

/** `count` accounts from `first` on, each deployed to `regions`: example-like targets, many of them. */
function accounts(count: number, regions: string[] = TWO_REGIONS, first = 0): Entry[] {
  return Array.from({ length: count }, (_, i) => ({ account: String(300000000000 + first + i), regions }));
}

/**
 * A map like the example (service web built for two platforms, prod behind an approval) whose environments
 * deploy the given waves; `branches` says which branch deploys which environments (all of them from main by default).
 */
function generated(environments: Record<string, Entry[][]>, branches?: Record<string, string[]>): string {
  return mapYaml(
    [
      {
        ...WEB,
        more: ['platforms: [linux/amd64, linux/arm64]'],
        branches: JSON.stringify(branches ?? { main: Object.keys(environments) }),
      },
    ],
    Object.entries(environments).flatMap(([name, waves]) => [
      `  ${name}:`,
      '    approval: { topic: prod-approvals, timeout: 24h }',
      '    waves:',
      ...waves.map((targets) => `      - { maxConcurrency: 40, targets: ${JSON.stringify(targets)} }`),
      '    bake: 10m',
      '    health: { alarms: [web-5xx] }',
    ]),
    // Hundreds of accounts need an organization grant: listing each would outgrow ECR's repository policy.
    'ecr: { principalOrgId: o-a1b2c3d4e5 }',
  );
}

describe('payloadBudgetFindings', () => {
  it.each([
    ['the example map', example],
    [
      'an example-size map: dev and prod, one account in two regions each',
      generated({ dev: [accounts(1)], prod: [accounts(1, TWO_REGIONS, 1)] }),
    ],
    ['a wave of 260 targets (130 accounts in two regions)', generated({ prod: [accounts(130)] })],
    [
      '400 accounts in two waves of 200',
      generated({ prod: [accounts(200, ['us-east-1']), accounts(200, ['us-east-1'], 200)] }),
    ],
    [
      'three environments of 100 targets on one branch',
      generated({
        dev: [accounts(50)],
        staging: [accounts(50, TWO_REGIONS, 50)],
        prod: [accounts(50, TWO_REGIONS, 100)],
      }),
    ],
  ])('finds nothing in %s', (_, yaml) => {
    expect(payloadBudgetFindings(mapOf(yaml))).toEqual([]);
  });

  it('finds nothing in a branch of 5,000 targets in 5 waves: the pipeline names environments, S3 holds targets', () => {
    const waves = [0, 1, 2, 3, 4].map((w) => accounts(500, TWO_REGIONS, w * 500));

    expect(payloadBudgetFindings(mapOf(generated({ prod: waves })))).toEqual([]);
  });

  it('finds nothing in a branch of 80 environments of 120 accounts each', () => {
    const names = Array.from({ length: 80 }, (_, i) => `region-${i + 1}`);
    const environments = Object.fromEntries(
      names.map((name, e) => [name, [0, 40, 80].map((first) => accounts(40, ['us-east-1'], e * 120 + first))]),
    );

    expect(payloadBudgetFindings(mapOf(generated(environments)))).toEqual([]);
  });
});

describe("payloadBudgetFindings for a service with a template: the plan carries the template's inputs", () => {
  const withInputs = (inputs: Record<string, unknown>) => {
    const map = mapOf(generated({ dev: [accounts(1)] }));
    if (!map.services.web) throw new Error('generated map without web');
    map.services.web.template = { name: 'web-service', version: 'v1.0', inputs };
    return map;
  };

  it('finds nothing for inputs of a usual size', () => {
    expect(payloadBudgetFindings(withInputs({ Cpu: 512, Memory: 1024, HealthCheckPath: '/health' }))).toEqual([]);
  });

  it("refuses inputs that would outgrow the pipeline's state, and says what weighs", () => {
    const findings = payloadBudgetFindings(withInputs({ Environment: 'x'.repeat(120_000) }));

    expect(findings).toEqual([
      {
        path: 'services.web.branches.main',
        message: expect.stringMatching(
          /^a push to main would start a pipeline for 1 environment whose state would weigh about \d+ KiB \([\d,]+ bytes\): its input of \d+ KiB, the environments' plans of \d+ KiB, the largest of them of \d+ KiB once more, and 48 KiB for the image, the approval and a failure's cause\. Step Functions allows 256 KiB \(262,144 bytes\): deploy this branch to fewer environments$/,
        ),
      },
    ]);
  });

  it('names a branch that is not a plain word the way the map writes it', () => {
    const map = withInputs({ Environment: 'x'.repeat(120_000) });
    if (!map.services.web) throw new Error('generated map without web');
    map.services.web.branches = { 'release/1.0': ['dev'] };

    expect(payloadBudgetFindings(map).map((f) => f.path)).toEqual(['services.web.branches["release/1.0"]']);
  });
});
