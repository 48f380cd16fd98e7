// `crossdeploy template publish`: the templates folder, checked as `template check` checks it, recorded version by
// version in the orchestrator's template registry. A version published once never changes: publishing it
// again with the same content is harmless, with other content it is refused before anything is written.

import { type DocumentClient, defaultDocumentClient } from '../aws/lease';
import { callerArn } from '../aws/operator';
import { settings } from '../aws/settings';
import { listTemplateVersions, publishTemplateVersion, readTemplateVersion } from '../aws/template-registry';
import type { PublishedTemplate } from '../core/templates/catalog';
import { publishPlan, templateHash, type VersionContent } from '../core/templates/registry';
import { cliCommand } from './command';
import { useLocalEndpoint } from './local-endpoint';
import { checkedTemplatesFolder, count, type FolderVersion } from './template-folder';

const USAGE = [
  'usage: crossdeploy template publish [--dir templates] [--map FILE]   (default map: crossdeploy.yaml)',
  'Runs every check of `crossdeploy template check`, then records each version in the template registry of the',
  "orchestrator the map names. Exits 1, having written nothing, when a check fails, a published version's content",
  "changed, or a new minor breaks its major's inputs as published; 2 on a usage error.",
].join('\n');

export interface TemplatePublishDeps {
  /** Who publishes: the caller's principal ARN unless a test says otherwise. */
  caller?: () => Promise<string>;
  now?: () => Date;
}

export function templatePublishCommand(deps: TemplatePublishDeps = {}) {
  return cliCommand({
    name: 'template publish',
    usage: USAGE,
    options: { dir: { type: 'string', default: 'templates' } },
    run: async ({ args: { values }, map, io }) => {
      const dir = values.dir ?? 'templates';
      const folder = checkedTemplatesFolder('template publish', dir, io);
      if (typeof folder === 'number') return folder;

      await useLocalEndpoint(io.cwd, map);
      // A `.crossdeploy/local.json` outlives the `crossdeploy local` that wrote it: say where this writes.
      if (process.env.AWS_ENDPOINT_URL) {
        io.err(
          `crossdeploy template publish: publishing to the AWS endpoint ${process.env.AWS_ENDPOINT_URL}, not AWS itself`,
        );
      }
      const table = settings.templatesTable();
      // The registry lives in the orchestrator's region, whatever region the caller's profile names.
      const db = defaultDocumentClient(map.orchestrator.region);

      const plan = publishPlan(folder.versions.map(contentOf), await registryContents(db, table, folder.templates));
      if (plan.problems.length > 0) {
        for (const problem of plan.problems) io.err(`${dir}/${problem}`);
        io.err(`crossdeploy template publish: nothing was published to ${table}`);
        return 1;
      }

      const publishedBy = await (deps.caller ?? callerArn)();
      const now = deps.now ?? (() => new Date());
      const results = { published: 0, unchanged: 0 };
      for (const version of folder.versions) {
        const result = await publishTemplateVersion(db, table, { ...version, publishedBy }, now);
        results[result] += 1;
        io.out(`${result} ${version.kind}/${version.name} ${version.version}`);
      }
      io.out(`${dir}: ${count(results.published, 'version')} published, ${results.unchanged} unchanged, in ${table}`);
      return 0;
    },
  });
}

export const run = templatePublishCommand();

const contentOf = (version: FolderVersion): VersionContent => ({
  kind: version.kind,
  name: version.name,
  version: version.version,
  // As the registry records it (aws/template-registry.ts): the schema's JSON text, not the file's.
  hash: templateHash(version.body, JSON.stringify(version.schema)),
  schema: version.schema,
});

/** What the registry holds of the folder's templates. */
async function registryContents(
  db: DocumentClient,
  table: string,
  templates: readonly PublishedTemplate[],
): Promise<VersionContent[]> {
  const contents: VersionContent[] = [];
  for (const { kind, name } of templates) {
    for (const version of await listTemplateVersions(db, table, { kind, name })) {
      contents.push(await readTemplateVersion(db, table, { kind, name, version }));
    }
  }
  return contents;
}
