// What the template registry holds and what it may take: one record per published version, which never changes
// once written. Everything here is pure; aws/template-registry.ts reads and writes the records.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { incompatibleMinors, type TemplateKind } from './catalog';
import type { InputSchema } from './inputs';
import { compareVersions, formatVersion, parseVersion, type TemplateVersion } from './version';

/**
 * CloudFormation takes a TemplateBody of at most 51,200 bytes
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html); a larger template
 * must come from S3, which the stack deploys do not do. A version nobody can deploy is refused when published.
 */
export const TEMPLATE_BODY_MAX_BYTES = 51_200;

/**
 * A DynamoDB item holds at most 400 KB, attribute names and values together
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items).
 */
export const REGISTRY_ITEM_MAX_BYTES = 400 * 1024;

/** A version that cannot be recorded or deployed as it is. */
export class TemplateTooLarge extends Error {
  override name = 'TemplateTooLarge' as const;
}

/** One published version as the registry table stores it; every attribute is a string. */
export const RegistryItem = z.object({
  /** `<kind>/<name>`: the partition key. */
  template: z.string(),
  /** `vN.M`: the sort key. */
  version: z.string(),
  /** template.yaml, as it was published. */
  body: z.string(),
  /** schema.json, as JSON text. */
  schema: z.string(),
  /** templateHash(body, schema). */
  hash: z.string(),
  publishedAt: z.string(),
  publishedBy: z.string(),
});
export type RegistryItem = z.infer<typeof RegistryItem>;

/** The partition key of a template's versions. */
export const registryKey = (kind: TemplateKind, name: string): string => `${kind}/${name}`;

/**
 * The sha256 (hex) of the body followed by the schema's JSON text. Unambiguous without a separator: the schema
 * text is one JSON object, and no proper suffix of a JSON object's text is one.
 */
export function templateHash(body: string, schemaJson: string): string {
  return createHash('sha256').update(body).update(schemaJson).digest('hex');
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Why CloudFormation would refuse this body, if it would; `where` names the file. */
export function templateBodyProblem(body: string, where: string): string | undefined {
  const size = bytes(body);
  if (size <= TEMPLATE_BODY_MAX_BYTES) return undefined;
  return (
    `${where}: ${size.toLocaleString('en-US')} bytes, over the ${TEMPLATE_BODY_MAX_BYTES.toLocaleString('en-US')} ` +
    "bytes of CloudFormation's TemplateBody limit: make the template smaller, e.g. split it into nested stacks"
  );
}

/** Why the registry cannot take this record: the body CloudFormation would refuse, an item over DynamoDB's limit. */
export function registryItemProblems(item: RegistryItem): string[] {
  const where = `${item.template}/${item.version}`;
  const problems: string[] = [];
  const body = templateBodyProblem(item.body, `${where}/template.yaml`);
  if (body) problems.push(body);
  const size = Object.entries(item).reduce((sum, [name, value]) => sum + bytes(name) + bytes(value), 0);
  if (size > REGISTRY_ITEM_MAX_BYTES) {
    problems.push(
      `${where}: its record is ${size.toLocaleString('en-US')} bytes, over DynamoDB's item limit of ` +
        `${REGISTRY_ITEM_MAX_BYTES.toLocaleString('en-US')} bytes: the input schema is too large`,
    );
  }
  return problems;
}

/** One version's content, as the folder has it or as the registry recorded it. */
export interface VersionContent {
  kind: TemplateKind;
  name: string;
  version: string;
  hash: string;
  schema: InputSchema;
}

export interface PublishPlan {
  /** Versions the registry does not have yet, in the folder's order. */
  toPublish: VersionContent[];
  /** Versions the registry has with the same content, in the folder's order. */
  unchanged: VersionContent[];
  /** What stops the publish; nothing is written unless this is empty. */
  problems: string[];
}

/**
 * What publishing `folder` to a registry that holds `published` does. A published version never changes, and a
 * minor must keep its major's inputs across the folder and the registry together: a folder that dropped v1.1
 * may not publish a v1.2 that breaks what v1.1 took.
 */
export function publishPlan(folder: readonly VersionContent[], published: readonly VersionContent[]): PublishPlan {
  const plan: PublishPlan = { toPublish: [], unchanged: [], problems: [] };
  const whereOf = (v: Pick<VersionContent, 'kind' | 'name' | 'version'>) =>
    `${registryKey(v.kind, v.name)}/${v.version}`;
  const recorded = new Map(published.map((v) => [whereOf(v), v]));
  const byTemplate = new Map<string, Map<string, VersionContent>>();
  const add = (v: VersionContent) => {
    const key = registryKey(v.kind, v.name);
    const versions = byTemplate.get(key) ?? new Map<string, VersionContent>();
    byTemplate.set(key, versions.set(v.version, v));
  };
  for (const version of folder) {
    const where = whereOf(version);
    const before = recorded.get(where);
    if (before === undefined) plan.toPublish.push(version);
    else if (before.hash === version.hash) plan.unchanged.push(version);
    else {
      plan.problems.push(
        `${where}: published already with other content; a published version never changes, ` +
          'publish the change as the next version',
      );
    }
  }
  // The registry's versions first, so a changed one (refused above) is judged as it was published.
  for (const version of published) add(version);
  for (const version of plan.toPublish) add(version);
  const fresh = new Set(plan.toPublish.map(whereOf));
  for (const [key, versions] of byTemplate) {
    const [kind, name] = key.split('/') as [TemplateKind, string];
    const sorted = [...versions.keys()].map(parseVersion).sort(compareVersions);
    const schemaOf = (v: TemplateVersion) => (versions.get(formatVersion(v)) as VersionContent).schema;
    sorted.forEach((version, i) => {
      const previous = sorted[i - 1];
      if (previous === undefined) return;
      // Only what a new version breaks, or breaks for a new version: the registry's own history is what it is.
      const isNew = (v: TemplateVersion) => fresh.has(`${key}/${formatVersion(v)}`);
      if (!isNew(version) && !isNew(previous)) return;
      plan.problems.push(...incompatibleMinors({ kind, name, versions: [previous, version] }, schemaOf));
    });
  }
  return plan;
}
