// The template registry: the orchestrator's Templates table, one record per published version. A version is
// written once and never changed, so every stack built from `environments/network v1.1` was built from the
// same template and the same inputs schema, whenever and wherever it was deployed.

import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { TemplateVersionNotPublished } from '../core/errors';
import type { TemplateKind } from '../core/templates/catalog';
import { type InputSchema, inputSchemaOf } from '../core/templates/inputs';
import {
  RegistryItem,
  registryItemProblems,
  registryKey,
  TemplateTooLarge,
  templateHash,
} from '../core/templates/registry';
import { compareVersions, parseVersion } from '../core/templates/version';
import { conditionalWrite } from './conditional-write';
import type { DocumentClient } from './lease';
import { awsCall } from './transient';

export interface TemplateVersionRef {
  kind: TemplateKind;
  name: string;
  version: string;
}

export interface PublishedVersion extends TemplateVersionRef {
  /** template.yaml, as published. */
  body: string;
  schema: InputSchema;
  /** sha256 (hex) of the body and the schema's JSON text (core/templates/registry.ts templateHash). */
  hash: string;
  publishedAt: string;
  /** The principal ARN that published it. */
  publishedBy: string;
}

/** The version asked for was never published: terminal, no retry publishes it. */
export { TemplateVersionNotPublished };

/** Other content under a version already published: a published version never changes. */
export class TemplateVersionChanged extends Error {
  static readonly errorName = 'TemplateVersionChanged';
  override name = TemplateVersionChanged.errorName;
}

const shown = (ref: TemplateVersionRef) => `${registryKey(ref.kind, ref.name)} ${ref.version}`;

/** One published version, read consistently: a version published a moment ago is found. */
export async function readTemplateVersion(
  db: DocumentClient,
  table: string,
  ref: TemplateVersionRef,
): Promise<PublishedVersion> {
  const item = await getItem(db, table, ref);
  if (item === undefined) {
    const published = await listTemplateVersions(db, table, ref);
    throw new TemplateVersionNotPublished(
      `${shown(ref)} is not published (published: ${published.join(', ') || 'none'})`,
    );
  }
  return {
    kind: ref.kind,
    name: ref.name,
    version: item.version,
    body: item.body,
    schema: inputSchemaOf(item.schema, `${registryKey(ref.kind, ref.name)}/${item.version}/schema.json`),
    hash: item.hash,
    publishedAt: item.publishedAt,
    publishedBy: item.publishedBy,
  };
}

/** A template's published versions, oldest first (v1.9 before v1.10). */
export async function listTemplateVersions(
  db: DocumentClient,
  table: string,
  template: { kind: TemplateKind; name: string },
): Promise<string[]> {
  const versions: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await awsCall(`dynamodb:Query ${table}`, () =>
      db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: '#template = :template',
          // The versions only: a page of bodies would be up to 50 KB a version.
          ProjectionExpression: '#version',
          ExpressionAttributeNames: { '#template': 'template', '#version': 'version' },
          ExpressionAttributeValues: { ':template': registryKey(template.kind, template.name) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      ),
    );
    for (const item of page.Items ?? []) versions.push(String(item.version));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  // The table sorts `version` as a string (v1.10 before v1.9): order by the numbers instead.
  return versions.sort((a, b) => compareVersions(parseVersion(a), parseVersion(b)));
}

/**
 * Records a version once. The same content again is 'unchanged' (a publish run twice); other content under a
 * version already published is refused with TemplateVersionChanged, and nothing is written.
 */
export async function publishTemplateVersion(
  db: DocumentClient,
  table: string,
  version: Omit<PublishedVersion, 'publishedAt' | 'hash'>,
  now: () => Date,
): Promise<'published' | 'unchanged'> {
  const schema = JSON.stringify(version.schema);
  const item: RegistryItem = {
    template: registryKey(version.kind, version.name),
    version: version.version,
    body: version.body,
    schema,
    hash: templateHash(version.body, schema),
    publishedAt: now().toISOString(),
    publishedBy: version.publishedBy,
  };
  const problems = registryItemProblems(item);
  if (problems.length > 0) throw new TemplateTooLarge(problems.join('; '));
  const written = await conditionalWrite(`dynamodb:PutItem ${table}`, () =>
    db.send(
      new PutCommand({
        TableName: table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#template)',
        ExpressionAttributeNames: { '#template': 'template' },
      }),
    ),
  );
  if (written) return 'published';
  const existing = await getItem(db, table, version);
  // Absent only when removed by hand since the write was refused: then the write may go ahead.
  if (existing === undefined) return publishTemplateVersion(db, table, version, now);
  if (existing.hash === item.hash) return 'unchanged';
  throw new TemplateVersionChanged(
    `${shown(version)} was published on ${existing.publishedAt} by ${existing.publishedBy} with other content ` +
      `(sha256 ${existing.hash.slice(0, 12)}…, this is ${item.hash.slice(0, 12)}…): a published version never ` +
      'changes; publish the change as the next version',
  );
}

async function getItem(db: DocumentClient, table: string, ref: TemplateVersionRef): Promise<RegistryItem | undefined> {
  const answer = await awsCall(`dynamodb:GetItem ${table}`, () =>
    db.send(
      new GetCommand({
        TableName: table,
        Key: { template: registryKey(ref.kind, ref.name), version: ref.version },
        ConsistentRead: true,
      }),
    ),
  );
  return answer.Item === undefined ? undefined : RegistryItem.parse(answer.Item);
}
