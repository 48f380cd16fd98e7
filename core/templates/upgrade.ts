// `template upgrade <template> --to vN.M`: which instances of a template move, and which cannot. An instance moves
// forward only; within its major it keeps its inputs, across majors its inputs must satisfy the new version's
// schema first. The instances then go wave by wave like any deployment.

import { checkInputs, type InputSchema } from './inputs';
import { compareVersions, formatVersion, parseVersion, type TemplateVersion } from './version';

/** One place a template is used: an environment's targets, or a service's instances in an environment. */
export interface TemplateInstance {
  /** Where, as the map says it: `environments.prod` or `services.web`. */
  where: string;
  version: string;
  inputs: Record<string, unknown>;
}

export interface InstanceUpgrade {
  where: string;
  from: string;
  to: string;
  /** The inputs as the new version takes them (its defaults filled in). */
  inputs: Record<string, unknown>;
}

export interface UpgradePlan {
  upgrades: InstanceUpgrade[];
  /** Already on the version asked for. */
  current: string[];
  /** What stops the upgrade, each naming the instance; the plan runs only when this is empty. */
  problems: string[];
}

export function upgradePlan(
  instances: readonly TemplateInstance[],
  published: readonly TemplateVersion[],
  to: TemplateVersion,
  schemaOf: (version: TemplateVersion) => InputSchema,
): UpgradePlan {
  const target = formatVersion(to);
  if (!published.some((v) => compareVersions(v, to) === 0)) {
    const versions = [...published].sort(compareVersions).map(formatVersion).join(', ') || 'none';
    return { upgrades: [], current: [], problems: [`${target} is not published (published: ${versions})`] };
  }
  const plan: UpgradePlan = { upgrades: [], current: [], problems: [] };
  for (const instance of instances) {
    const from = parseVersion(instance.version);
    const order = compareVersions(from, to);
    if (order === 0) {
      plan.current.push(instance.where);
    } else if (order > 0) {
      plan.problems.push(
        `${instance.where} runs ${instance.version}, newer than ${target}: a template never goes back`,
      );
    } else {
      const checked = checkInputs(schemaOf(to), instance.inputs, target);
      if (checked.ok)
        plan.upgrades.push({ where: instance.where, from: instance.version, to: target, inputs: checked.inputs });
      else {
        for (const problem of checked.problems) {
          const input = problem.path.length > 0 ? `.${problem.path.join('.')}` : '';
          plan.problems.push(`${instance.where}.template.inputs${input}: ${problem.message} in ${target}`);
        }
      }
    }
  }
  return plan;
}
