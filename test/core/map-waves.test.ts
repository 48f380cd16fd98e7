import { describe, expect, it } from 'vitest';
import { parseMap } from '../../core/map/load';
import { mapOf } from '../support/map';

/** A map whose dev environment has one wave of `accounts` accounts × 2 regions, with the wave's settings given. */
const mapWithWave = (accounts: number, settings: string) => `
orchestrator: { account: "111111111111", region: us-east-1 }
services:
  web:
    source: { github: acme/web }
    repository: web
    container: app
    cluster: demo
    service: web
    branches: { main: [dev] }
environments:
  dev:
    waves:
      - targets:
${Array.from({ length: accounts }, (_, i) => `          - { account: "${String(200000000001 + i)}", regions: [us-east-1, eu-west-1] }`).join('\n')}
        ${settings}
deployRole: crossdeploy-deploy
ecr: { principalOrgId: o-a1b2c3d4e5 }
`;

const wave = (accounts: number, settings: string) => mapOf(mapWithWave(accounts, settings)).environments.dev?.waves[0];

describe("a wave's concurrency and failure tolerance, as counts or percentages of its targets", () => {
  it.each([
    // targets = accounts × 2 regions
    ['counts as written', 5, 'maxConcurrency: 4\n        failureTolerance: 1', 4, 1],
    ['25% of 10 targets, rounded down', 5, 'maxConcurrency: 25%\n        failureTolerance: 25%', 2, 2],
    ['1% of 10 targets: concurrency never below one', 5, 'maxConcurrency: 1%\n        failureTolerance: 1%', 1, 0],
    ['100% of 10 targets', 5, 'maxConcurrency: 100%\n        failureTolerance: 100%', 10, 10],
    ['0% tolerance: no target may fail', 5, 'failureTolerance: 0%', 10, 0],
    ['10% of 1,200 targets', 600, 'maxConcurrency: 10%\n        failureTolerance: 10%', 120, 120],
    ['100% of 1,200 targets: at most 1,000 at once', 600, 'maxConcurrency: 100%', 1000, 0],
  ])('%s', (_, accounts, settings, maxConcurrency, failureTolerance) => {
    expect(wave(accounts, settings)).toMatchObject({ maxConcurrency, failureTolerance });
  });

  const CONCURRENCY = "a count from 1 to 1000, or a percentage of the wave's targets from 1% to 100%";
  const TOLERANCE = "a count of targets, or a percentage of the wave's targets from 0% to 100%";

  it.each([
    ['a concurrency of 0%', 'maxConcurrency: 0%', 'maxConcurrency', CONCURRENCY],
    ['a percentage over 100%', 'failureTolerance: 150%', 'failureTolerance', TOLERANCE],
    ['a percentage with a space', 'maxConcurrency: 25 %', 'maxConcurrency', CONCURRENCY],
    ['a fraction', 'failureTolerance: 0.5', 'failureTolerance', TOLERANCE],
  ])('refuses %s, at its line, saying what it takes', (_, settings, field, message) => {
    const text = mapWithWave(2, settings);
    const parsed = parseMap(text);

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => [e.path, e.message])).toEqual([[`environments.dev.waves[0].${field}`, message]]);
    expect(parsed.errors[0]?.line).toBe(text.split('\n').findIndex((line) => line.includes(settings)) + 1);
  });
});
