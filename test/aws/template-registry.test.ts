import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultDocumentClient } from '../../aws/lease';
import { templatesTable } from '../../aws/tables';
import {
  listTemplateVersions,
  publishTemplateVersion,
  readTemplateVersion,
  TemplateVersionChanged,
  TemplateVersionNotPublished,
} from '../../aws/template-registry';
import type { InputSchema } from '../../core/templates/inputs';
import { TemplateTooLarge, templateHash } from '../../core/templates/registry';
import { useMoto } from '../support/moto';

useMoto();

const TABLE = 'crossdeploy-templates';
const BODY = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n';
const SCHEMA: InputSchema = { type: 'object', properties: { Cidr: { type: 'string' } } };
const AT = new Date('2026-11-02T10:00:00.000Z');
const BY = 'arn:aws:sts::111111111111:assumed-role/platform/alice';
const network = (version: string, body = BODY) => ({
  kind: 'environments' as const,
  name: 'network',
  version,
  body,
  schema: SCHEMA,
  publishedBy: BY,
});

const db = defaultDocumentClient('us-east-1');
const items = async () => (await db.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];

beforeEach(async () => {
  const dynamo = new DynamoDBClient({ region: 'us-east-1' });
  await dynamo.send(new CreateTableCommand(templatesTable(TABLE)));
  dynamo.destroy();
});

describe('the template registry', () => {
  it('records a version with its body, schema, hash, time and publisher, and reads it back', async () => {
    expect(await publishTemplateVersion(db, TABLE, network('v1.1'), () => AT)).toBe('published');

    expect(await readTemplateVersion(db, TABLE, { kind: 'environments', name: 'network', version: 'v1.1' })).toEqual({
      kind: 'environments',
      name: 'network',
      version: 'v1.1',
      body: BODY,
      schema: SCHEMA,
      hash: templateHash(BODY, JSON.stringify(SCHEMA)),
      publishedAt: '2026-11-02T10:00:00.000Z',
      publishedBy: BY,
    });
    // As the table stores it: keyed by <kind>/<name> and vN.M, the schema as JSON text.
    expect(await items()).toEqual([
      {
        template: 'environments/network',
        version: 'v1.1',
        body: BODY,
        schema: JSON.stringify(SCHEMA),
        hash: templateHash(BODY, JSON.stringify(SCHEMA)),
        publishedAt: '2026-11-02T10:00:00.000Z',
        publishedBy: BY,
      },
    ]);
  });

  it('answers unchanged to the same content again, and keeps the first record', async () => {
    await publishTemplateVersion(db, TABLE, network('v1.0'), () => AT);
    const again = { ...network('v1.0'), publishedBy: 'arn:aws:sts::111111111111:assumed-role/platform/bob' };

    expect(await publishTemplateVersion(db, TABLE, again, () => new Date('2026-12-01T00:00:00Z'))).toBe('unchanged');
    expect(await items()).toEqual([expect.objectContaining({ publishedAt: AT.toISOString(), publishedBy: BY })]);
  });

  it('refuses other content under a published version with TemplateVersionChanged, and writes nothing', async () => {
    await publishTemplateVersion(db, TABLE, network('v1.0'), () => AT);
    const before = await items();

    const changed = publishTemplateVersion(db, TABLE, network('v1.0', `${BODY}# edited\n`), () => AT);
    await expect(changed).rejects.toThrow(TemplateVersionChanged);
    await expect(changed).rejects.toThrow(
      `environments/network v1.0 was published on 2026-11-02T10:00:00.000Z by ${BY} with other content`,
    );
    expect(await items()).toEqual(before);
  });

  it("refuses a body over CloudFormation's TemplateBody limit before writing it", async () => {
    const large = `${BODY}${'#'.repeat(51_200)}\n`;

    await expect(publishTemplateVersion(db, TABLE, network('v1.0', large), () => AT)).rejects.toThrow(TemplateTooLarge);
    expect(await items()).toEqual([]);
  });

  it('refuses to read a version never published, naming the versions that are', async () => {
    for (const version of ['v1.0', 'v1.1']) await publishTemplateVersion(db, TABLE, network(version), () => AT);

    const read = readTemplateVersion(db, TABLE, { kind: 'environments', name: 'network', version: 'v1.3' });
    await expect(read).rejects.toThrow(TemplateVersionNotPublished);
    await expect(read).rejects.toThrow('environments/network v1.3 is not published (published: v1.0, v1.1)');
    await expect(
      readTemplateVersion(db, TABLE, { kind: 'services', name: 'network', version: 'v1.0' }),
    ).rejects.toThrow('services/network v1.0 is not published (published: none)');
  });

  it('lists versions oldest first by their numbers: v1.9 before v1.10', async () => {
    for (const version of ['v1.10', 'v2.0', 'v1.9', 'v1.2']) {
      await publishTemplateVersion(db, TABLE, network(version), () => AT);
    }
    await publishTemplateVersion(db, TABLE, { ...network('v9.0'), name: 'other' }, () => AT);

    expect(await listTemplateVersions(db, TABLE, { kind: 'environments', name: 'network' })).toEqual([
      'v1.2',
      'v1.9',
      'v1.10',
      'v2.0',
    ]);
    expect(await listTemplateVersions(db, TABLE, { kind: 'services', name: 'network' })).toEqual([]);
  });
});
