import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { executionName } from '../../core/push';
import { startPipelines } from '../../functions/start-pipeline';
import { localFunctions, localIntegrations, localValues, stateMachineDefinitions } from '../../local/functions';
import { stepFunctionsApi } from '../../local/sfn-api';
import { LocalStepFunctions } from '../../local/step-functions';
import { mapOf, mapYaml } from '../support/map';
import { useMoto } from '../support/moto';

const moto = useMoto();

// A CodeCommit-sourced service, branch myBranch → dev, as the documented events name them.
const fixtureMap = mapOf(
  mapYaml(
    [{ name: 'demo', source: '{ codecommit: MyDemoRepo }', branches: '{ myBranch: [dev] }' }],
    '  dev:\n    targets: [{ account: "222222222222", regions: [us-east-1] }]',
  ),
);
const map = () => fixtureMap;
const event = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8'));

describe('start-pipeline (startPipelines), the rule target for pushes', () => {
  let engine: LocalStepFunctions;
  beforeEach(() => {
    engine = new LocalStepFunctions({
      definitions: stateMachineDefinitions,
      functions: localFunctions,
      integrations: localIntegrations,
      values: localValues,
      account: '111111111111',
      region: 'us-east-1',
    });
    moto.scheduler().serveLocally(stepFunctionsApi(engine));
    process.env.CROSSDEPLOY_PIPELINE_ARN = engine.stateMachineArn('pipeline');
  });

  it("starts one pipeline, named from service, branch and commit, for CodeCommit's branch update", async () => {
    const updated = event('codecommit-reference-updated.json');

    const first = await startPipelines(updated, { map });
    const again = await startPipelines(updated, { map });

    const name = executionName('demo', 'myBranch', updated.detail.commitId);
    expect(first).toEqual([{ service: 'demo', pipelineId: name, started: true, reason: 'deploys to dev' }]);
    // While the first runs, Step Functions answers a same-name, same-input start with that execution.
    expect(again[0]?.pipelineId).toBe(name);
    expect(
      engine
        .executions()
        .filter((e) => e.stateMachine === 'pipeline')
        .map((e) => e.name),
    ).toEqual([name]);
  });

  it('starts nothing for a duplicate of an event whose pipeline has ended, and attempt 2 for a new push of the commit', async () => {
    const updated = event('codecommit-reference-updated.json');
    const first = await startPipelines(updated, { map });
    const name = executionName('demo', 'myBranch', updated.detail.commitId);
    await engine.finished(engine.executions().find((e) => e.name === name)?.executionArn as string);

    const duplicate = await startPipelines(updated, { map });
    const pushedAgain = await startPipelines({ ...updated, id: '76543210-EXAMPLE' }, { map });

    expect(first[0]?.started).toBe(true);
    expect(duplicate).toEqual([
      { service: 'demo', pipelineId: name, started: false, reason: 'duplicate push: already started' },
    ]);
    expect(pushedAgain).toEqual([
      {
        service: 'demo',
        pipelineId: executionName('demo', 'myBranch', updated.detail.commitId, 2),
        started: true,
        reason: 'deploys to dev (attempt 2)',
      },
    ]);
    expect(
      engine
        .executions()
        .filter((e) => e.stateMachine === 'pipeline')
        .map((e) => e.name),
    ).toEqual([name, `${name}-a2`]);
  });

  it.each([
    ['a tag', 'codecommit-tag-created.json'],
    ['a branch deletion', 'codecommit-reference-deleted.json'],
    ['a pull request', 'codecommit-pull-request-created.json'],
  ])('starts nothing for %s', async (_, file) => {
    expect(await startPipelines(event(file), { map })).toEqual([]);
    expect(engine.executions()).toEqual([]);
  });
});
