// `crossdeploy template upgrade TEMPLATE --to vN.M`: every instance of a template moves to a newer version. The map
// is where versions are pinned, so the upgrade is a change to the map (one line per instance, reviewed and
// committed like any other); `--deploy` then provisions the upgraded environments one after another, in the
// map's order, each through its own approval gate and waves, and stops at the first that fails.

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { defaultDocumentClient } from '../aws/lease';
import { realSleep, type Sleep, waitForExecution } from '../aws/operator';
import { settings } from '../aws/settings';
import { listTemplateVersions, readTemplateVersion } from '../aws/template-registry';
import { withTemplateVersions } from '../core/map/edit';
import { loadMapFile } from '../core/map/load';
import type { DeploymentMap } from '../core/map/schema';
import { TEMPLATE_KINDS, type TemplateKind } from '../core/templates/catalog';
import type { InputSchema } from '../core/templates/inputs';
import { type TemplateInstance, upgradePlan } from '../core/templates/upgrade';
import { templateUses } from '../core/templates/uses';
import { compareVersions, parseVersion } from '../core/templates/version';
import { cliCommand } from './command';
import { useLocalEndpoint } from './local-endpoint';
import { type ProvisioningDeps, startProvisioning } from './provisioning';

const USAGE = [
  'usage: crossdeploy template upgrade TEMPLATE --to vN.M [--deploy] [--map FILE]   (default map: crossdeploy.yaml)',
  'TEMPLATE is environments/<name> or services/<name> (or <name> when only one kind has it). Every instance the',
  "map pins to an older version moves to vN.M, if vN.M is published and each instance's inputs satisfy its schema;",
  'the map file is rewritten, one line per instance, and nothing is written when anything is refused.',
  '--deploy then provisions the upgraded environments one after another, each through its gate and waves (the',
  'orchestrator must read this map: a running `crossdeploy local` does; in AWS, deploy crossdeploy first).',
].join('\n');

export interface TemplateUpgradeDeps extends ProvisioningDeps {
  sleep?: Sleep;
}

export function templateUpgradeCommand(deps: TemplateUpgradeDeps = {}) {
  return cliCommand({
    name: 'template upgrade',
    usage: USAGE,
    options: { to: { type: 'string' }, deploy: { type: 'boolean', default: false } },
    positionals: true,
    mapErrorExit: 2,
    check: ({ values, positionals }, refuse) => {
      const [template, ...extra] = positionals;
      if (!template || extra.length > 0) return refuse.because('name exactly one template');
      if (!values.to) return refuse.because('say which version to upgrade to: --to vN.M');
      try {
        parseVersion(values.to);
      } catch (error) {
        return refuse.because((error as Error).message);
      }
      return { values, template, to: values.to };
    },
    run: async ({ args: { values, template, to }, map, shown, io, refuse }) => {
      const named = templateNamed(map, template);
      if ('problem' in named) return refuse.because(named.problem);
      const { kind, name } = named;
      const instances = instancesOf(map, kind, name);
      if (instances.length === 0) {
        io.err(`crossdeploy template upgrade: no ${kind} in the map use ${kind}/${name}`);
        return 1;
      }

      await useLocalEndpoint(io.cwd, map);
      const db = defaultDocumentClient(map.orchestrator.region);
      const table = settings.templatesTable();
      const published = (await listTemplateVersions(db, table, { kind, name })).map(parseVersion);
      const target = parseVersion(to);
      const schema: InputSchema | undefined = published.some((v) => compareVersions(v, target) === 0)
        ? (await readTemplateVersion(db, table, { kind, name, version: to })).schema
        : undefined;
      const plan = upgradePlan(instances, published, target, () => {
        if (!schema) throw new Error(`${to} is not published`);
        return schema;
      });
      if (plan.problems.length > 0) {
        for (const problem of plan.problems) io.err(`crossdeploy template upgrade: ${problem}`);
        io.err(`crossdeploy template upgrade: ${shown} was not changed`);
        return 1;
      }
      for (const where of plan.current) io.out(`${where} runs ${to} already`);
      if (plan.upgrades.length === 0) {
        io.out(`every instance of ${kind}/${name} runs ${to}: nothing to upgrade`);
        return 0;
      }

      const file = resolve(io.cwd, shown);
      const edits = plan.upgrades.map((u) => ({ section: kind, instance: u.where.split('.')[1] ?? '', version: to }));
      writeFileSync(file, withTemplateVersions(readFileSync(file, 'utf8'), edits));
      for (const u of plan.upgrades) io.out(`${u.where}.template.version ${u.from} → ${u.to}`);
      io.out(`${shown}: ${plan.upgrades.length} instance${plan.upgrades.length === 1 ? '' : 's'} upgraded to ${to}`);
      if (!values.deploy) {
        const next =
          kind === 'environments'
            ? `crossdeploy env deploy ${edits.map((e) => e.instance).join(', then ')}`
            : "each service's next deploy to each target (a push, or crossdeploy redeploy), before its image";
        io.out(`review and commit ${shown}; the stacks move with ${next}`);
        return 0;
      }
      if (kind !== 'environments') {
        io.err(
          "crossdeploy template upgrade: --deploy provisions environments; a service's instances move with its next deploy (a push, or crossdeploy redeploy), through its gates and waves",
        );
        return 2;
      }
      return deployInOrder(
        loadMapFile(file),
        edits.map((e) => e.instance),
        deps,
        io,
      );
    },
  });
}

/** One environment after another; the first that does not succeed stops the rest. */
async function deployInOrder(
  map: DeploymentMap,
  environments: string[],
  deps: TemplateUpgradeDeps,
  io: { out: (line: string) => void; err: (line: string) => void },
): Promise<number> {
  const sfn = new SFNClient({ region: map.orchestrator.region });
  for (const [index, environment] of environments.entries()) {
    const started = await startProvisioning(map, environment, sfn, deps);
    if ('refused' in started) {
      io.err(`crossdeploy template upgrade: ${started.refused}`);
      return 1;
    }
    io.out(`provisioning ${environment} (${index + 1} of ${environments.length}): ${started.execution}`);
    io.out(`  ${started.consoleLink}`);
    const done = await waitForExecution(sfn, started.executionArn, {
      sleep: deps.sleep ?? realSleep,
      intervalMs: 5000,
    });
    io.out(`  ${environment}: ${done.status}`);
    if (done.status !== 'SUCCEEDED') {
      io.err(`crossdeploy template upgrade: ${environment} ${done.status}: ${done.error ?? ''}: ${done.cause ?? ''}`);
      const left = environments.slice(index + 1);
      if (left.length > 0) io.err(`crossdeploy template upgrade: not provisioned: ${left.join(', ')}`);
      return 1;
    }
  }
  return 0;
}

function templateNamed(map: DeploymentMap, text: string): { kind: TemplateKind; name: string } | { problem: string } {
  const [first, second] = text.split('/');
  if (second !== undefined) {
    if (!TEMPLATE_KINDS.includes(first as TemplateKind)) {
      return { problem: `"${text}": write environments/<name> or services/<name>` };
    }
    return { kind: first as TemplateKind, name: second };
  }
  const kinds = TEMPLATE_KINDS.filter((kind) => instancesOf(map, kind, text).length > 0);
  if (kinds.length > 1) return { problem: `both environments and services use "${text}": write <kind>/${text}` };
  return { kind: kinds[0] ?? 'environments', name: text };
}

function instancesOf(map: DeploymentMap, kind: TemplateKind, name: string): TemplateInstance[] {
  return templateUses(map)
    .filter((use) => use.kind === kind && use.template.name === name)
    .map(({ instance, template }) => ({
      where: `${kind}.${instance}`,
      version: template.version,
      inputs: template.inputs,
    }));
}

export const run = templateUpgradeCommand();
