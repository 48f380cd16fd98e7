// `crossdeploy template check|publish`: what a platform team runs on its templates folder. `check` says whether
// the folder is fit to publish; `publish` checks the same and then records every version in the orchestrator's
// template registry, where deployments read them from.

import { parseArgs } from 'node:util';
import { formatVersion } from '../core/templates/version';
import type { CliIo } from './io';
import { checkedTemplatesFolder, count } from './template-folder';
import { parsedOrUsage, usageError } from './usage';

const USAGE = [
  'usage: crossdeploy template check [--dir templates]',
  '       crossdeploy template publish [--dir templates] [--map crossdeploy.yaml]',
  '       crossdeploy template upgrade TEMPLATE --to vN.M [--deploy] [--map crossdeploy.yaml]',
  '',
  'Checks a templates folder: templates/<environments|services>/<name>/vN.M/ with template.yaml (CloudFormation,',
  "linted with cfn-lint, at most CloudFormation's 51,200 bytes) and schema.json (the JSON Schema of its inputs).",
  'A minor version must accept every input the minor before it accepted; a new major may change them.',
  'publish runs the same checks, then records every version in the template registry of the orchestrator the map',
  'names (a running `crossdeploy local`, or the stage CROSSDEPLOY_STAGE names); a published version never changes.',
  'upgrade moves every instance the map pins to an older version of TEMPLATE to vN.M (see its --help).',
].join('\n');

export async function run(args: string[], io: CliIo): Promise<number> {
  const publish = actionIndex(args, 'publish');
  // publish and upgrade talk to AWS: their SDK clients load only when asked for.
  if (publish !== undefined) {
    return (await import('./template-publish')).run([...args.slice(0, publish), ...args.slice(publish + 1)], io);
  }
  const upgrade = actionIndex(args, 'upgrade');
  if (upgrade !== undefined) {
    return (await import('./template-upgrade')).run([...args.slice(0, upgrade), ...args.slice(upgrade + 1)], io);
  }
  const parsed = parsedOrUsage(
    'template',
    USAGE,
    () =>
      parseArgs({
        args,
        allowPositionals: true,
        options: { dir: { type: 'string', default: 'templates' }, help: { type: 'boolean', short: 'h' } },
      }),
    io,
  );
  if (typeof parsed === 'number') return parsed;
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  const [action, ...extra] = parsed.positionals;
  if (action !== 'check' || extra.length > 0) {
    return usageError('template', USAGE, 'say what to do: check, publish or upgrade', io);
  }
  const checked = checkedTemplatesFolder('template', parsed.values.dir, io);
  if (typeof checked === 'number') return checked;
  const { templates } = checked;
  for (const template of templates) {
    io.out(`${template.kind}/${template.name}  ${template.versions.map(formatVersion).join(' ')}`);
  }
  const versions = templates.reduce((n, t) => n + t.versions.length, 0);
  io.out(`${parsed.values.dir} is valid: ${count(templates.length, 'template')}, ${count(versions, 'version')}`);
  return 0;
}

/** Where `action` is the first positional argument, wherever the options stand. */
function actionIndex(args: string[], action: string): number | undefined {
  const { tokens } = parseArgs({
    args,
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: {
      dir: { type: 'string' },
      map: { type: 'string' },
      to: { type: 'string' },
      deploy: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const first = tokens.find((token) => token.kind === 'positional');
  return first?.kind === 'positional' && first.value === action ? first.index : undefined;
}
