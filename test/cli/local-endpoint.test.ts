import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stageSettings } from '../../aws/orchestrator';
import { settings } from '../../aws/settings';
import { useLocalEndpoint } from '../../cli/local-endpoint';
import { orchestratorNames } from '../../stacks/names';
import { mapOf } from '../support/map';
import { pipelineMap } from '../support/pipeline';

const map = mapOf(pipelineMap());
const VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'CROSSDEPLOY_STAGE',
  ...Object.keys(stageSettings('x', map)),
] as const;
const saved = Object.fromEntries(VARIABLES.map((v) => [v, process.env[v]]));

afterEach(() => {
  for (const [variable, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[variable];
    else process.env[variable] = value;
  }
});

describe('commands against a deployed stage', () => {
  it("read the stage's own tables and bus, in the orchestrator's region", async () => {
    for (const variable of VARIABLES) delete process.env[variable];
    process.env.CROSSDEPLOY_STAGE = 'prod';

    await useLocalEndpoint(mkdtempSync(join(tmpdir(), 'crossdeploy-stage-')), map);

    const names = orchestratorNames('crossdeploy', 'prod', map);
    expect(settings.ledgerTable()).toBe(names.ledgerTable);
    expect(settings.templatesTable()).toBe(names.templatesTable);
    expect(settings.leasesTable()).toBe(names.leasesTable);
    expect(settings.approvalsTable()).toBe(names.approvalsTable);
    expect(settings.eventBusName()).toBe(names.eventBus);
    expect(process.env.AWS_REGION).toBe('us-east-1');
  });

  it('keep names set explicitly', async () => {
    for (const variable of VARIABLES) delete process.env[variable];
    process.env.CROSSDEPLOY_STAGE = 'prod';
    process.env.CROSSDEPLOY_LEDGER_TABLE = 'my-ledger';

    await useLocalEndpoint(mkdtempSync(join(tmpdir(), 'crossdeploy-stage-')), map);

    expect(settings.ledgerTable()).toBe('my-ledger');
  });
});
