import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultDocumentClient } from '../../aws/lease';
import { settings } from '../../aws/settings';
import { templatesTable } from '../../aws/tables';
import { listTemplateVersions, readTemplateVersion } from '../../aws/template-registry';
import { run as template } from '../../cli/template';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { capture } from '../support/cli';
import { mapOf, mapYaml, WEB } from '../support/map';
import { useMoto } from '../support/moto';

const moto = useMoto();

const FIXTURES = fileURLToPath(new URL('../fixtures/templates', import.meta.url));
const MAP = mapYaml(
  [WEB],
  `
  dev:
    targets: [{ account: "222222222222", regions: [us-east-1] }]
  prod:
    targets: [{ account: "333333333333", regions: [us-east-1] }]
`,
);
const PORT_AS_TEXT = JSON.stringify({ type: 'object', required: ['Port'], properties: { Port: { type: 'string' } } });

let root: string;
const templates = () => join(root, 'templates');
const db = defaultDocumentClient('us-east-1');
const items = async () => (await db.send(new ScanCommand({ TableName: settings.templatesTable() }))).Items ?? [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'crossdeploy-publish-'));
  cpSync(FIXTURES, templates(), { recursive: true });
  writeFileSync(join(root, 'crossdeploy.yaml'), MAP);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function publish(...args: string[]) {
  const { io, out, err } = capture(root);
  const code = await template(['publish', ...args], io);
  return { code, out, err };
}

describe('crossdeploy template publish', () => {
  beforeEach(async () => {
    // What `crossdeploy local` creates in the orchestrator account (local/orchestrator.ts).
    const dynamo = new DynamoDBClient({ region: 'us-east-1' });
    await dynamo.send(new CreateTableCommand(templatesTable(settings.templatesTable())));
    dynamo.destroy();
  });

  it("records every version of the folder in the orchestrator's registry, one line each", async () => {
    const { code, out, err } = await publish();

    expect(err).toEqual([
      `crossdeploy template publish: publishing to the AWS endpoint ${moto.endpoint()}, not AWS itself`,
    ]);
    expect(out).toEqual([
      'published environments/apps v1.0',
      'published services/web v1.0',
      'published services/web v1.1',
      'templates: 3 versions published, 0 unchanged, in crossdeploy-templates',
    ]);
    expect(code).toBe(0);
    expect(await listTemplateVersions(db, settings.templatesTable(), { kind: 'services', name: 'web' })).toEqual([
      'v1.0',
      'v1.1',
    ]);
    const web = await readTemplateVersion(db, settings.templatesTable(), {
      kind: 'services',
      name: 'web',
      version: 'v1.0',
    });
    expect(web.schema.required).toEqual(['Port']);
    expect(web.body).toBe(readFileSync(join(FIXTURES, 'services/web/v1.0/template.yaml'), 'utf8'));
    // Whoever ran the command, as AWS names them: here the orchestrator account's role the CLI acts as locally.
    expect(web.publishedBy).toMatch(/^arn:aws:sts::111111111111:assumed-role\//);
  });

  it('says unchanged for every version published before with the same content', async () => {
    await publish();
    const before = await items();

    const { code, out } = await publish('--dir', 'templates');

    expect(code).toBe(0);
    expect(out).toEqual([
      'unchanged environments/apps v1.0',
      'unchanged services/web v1.0',
      'unchanged services/web v1.1',
      'templates: 0 versions published, 3 unchanged, in crossdeploy-templates',
    ]);
    expect(await items()).toEqual(before);
  });

  it('refuses other content under a published version, and writes nothing, not even the new versions', async () => {
    await publish();
    const before = await items();
    writeFileSync(
      join(templates(), 'services/web/v1.1/template.yaml'),
      `${SMALL_TEMPLATE}\n# edited after publishing\n`,
    );
    mkdirSync(join(templates(), 'services/web/v1.2'));
    cpSync(join(FIXTURES, 'services/web/v1.1'), join(templates(), 'services/web/v1.2'), { recursive: true });

    const { code, out, err } = await publish();

    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err.slice(1)).toEqual([
      'templates/services/web/v1.1: published already with other content; a published version never changes, publish the change as the next version',
      'crossdeploy template publish: nothing was published to crossdeploy-templates',
    ]);
    expect(await items()).toEqual(before);
  });

  it("refuses a minor that breaks its major's inputs before anything is written", async () => {
    writeFileSync(join(templates(), 'services/web/v1.1/schema.json'), PORT_AS_TEXT);

    const { code, out, err } = await publish();

    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      'templates/services/web/v1.1: input "Port" changed type from "integer" to "string" since v1.0 (a minor version keeps its major\'s inputs; publish v2.0 instead)',
    ]);
    expect(await items()).toEqual([]);
  });

  it('refuses a minor that breaks a version only the registry still has', async () => {
    await publish();
    const before = await items();
    // The folder keeps only its newest work: v1.2, whose Port is text where the published v1.1's is a number.
    rmSync(join(templates(), 'services/web'), { recursive: true });
    mkdirSync(join(templates(), 'services/web/v1.2'), { recursive: true });
    cpSync(join(FIXTURES, 'services/web/v1.1/template.yaml'), join(templates(), 'services/web/v1.2/template.yaml'));
    const v1_1 = JSON.parse(readFileSync(join(FIXTURES, 'services/web/v1.1/schema.json'), 'utf8'));
    v1_1.properties.Port = { type: 'string' };
    writeFileSync(join(templates(), 'services/web/v1.2/schema.json'), JSON.stringify(v1_1));

    const { code, err } = await publish();

    expect(code).toBe(1);
    expect(err.slice(1)).toEqual([
      'templates/services/web/v1.2: input "Port" changed type from "integer" to "string" since v1.1 (a minor version keeps its major\'s inputs; publish v2.0 instead)',
      'crossdeploy template publish: nothing was published to crossdeploy-templates',
    ]);
    expect(await items()).toEqual(before);
  });

  it("refuses a template over CloudFormation's TemplateBody limit before anything is written", async () => {
    const path = join(templates(), 'environments/apps/v1.0/template.yaml');
    writeFileSync(path, `${SMALL_TEMPLATE}\n#${'-'.repeat(51_200)}\n`);

    const { code, err } = await publish();

    expect(code).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /^templates\/environments\/apps\/v1\.0\/template\.yaml: 5\d,\d{3} bytes, over the 51,200 bytes of CloudFormation's TemplateBody limit/,
      ),
    ]);
    expect(await items()).toEqual([]);
  });

  it.each([
    [['extra'], 2, 'crossdeploy template publish: Unexpected argument'],
    [['--dir', 'nowhere'], 1, 'crossdeploy template publish: no templates folder at nowhere'],
    [['--map', 'nowhere.yaml'], 1, 'crossdeploy template publish:'],
  ])('refuses %j with exit %i', async (args, code, message) => {
    const result = await publish(...args);
    expect(result.code).toBe(code);
    expect(result.err[0]).toContain(message);
    expect(await items()).toEqual([]);
  });
});

describe('crossdeploy template publish next to a running crossdeploy local', () => {
  let stack: LocalStack | undefined;
  const endpoint = process.env.AWS_ENDPOINT_URL;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    process.env.AWS_ENDPOINT_URL = endpoint;
  });

  it('publishes to the registry that crossdeploy local created, found through the state it wrote', async () => {
    stack = await startLocalStack({
      map: mapOf(MAP),
      mapFile: join(root, 'crossdeploy.yaml'),
      stateDir: join(root, '.crossdeploy'),
      scheduler: moto.scheduler(),
      out: () => {},
    });
    // As in another terminal: no endpoint given, only `.crossdeploy/local.json`.
    delete process.env.AWS_ENDPOINT_URL;

    const { code, out } = await publish();

    expect(code).toBe(0);
    expect(out.at(-1)).toBe('templates: 3 versions published, 0 unchanged, in crossdeploy-templates');
    expect(await listTemplateVersions(db, settings.templatesTable(), { kind: 'environments', name: 'apps' })).toEqual([
      'v1.0',
    ]);
  });
});

const SMALL_TEMPLATE = [
  "AWSTemplateFormatVersion: '2010-09-09'",
  'Resources:',
  '  LogGroup:',
  '    Type: AWS::Logs::LogGroup',
  '    Properties:',
  '      RetentionInDays: 30',
].join('\n');
