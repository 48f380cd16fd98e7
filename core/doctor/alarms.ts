// Check 6, alarms: whether the alarms an environment's bake watches exist in the target's account and region,
// and whether one is firing already.

import type { Outcome } from './checks';
import { type TargetPlace, where } from './targets';

export function alarmsOutcome(target: TargetPlace, found: ReadonlyArray<{ name: string; state?: string }>): Outcome {
  if (target.alarms.length === 0) {
    return { result: 'ok', detail: `environments.${target.environment}.health.alarms names no alarms` };
  }
  const missing = target.alarms.filter((name) => !found.some((alarm) => alarm.name === name));
  if (missing.length > 0) {
    return {
      result: 'FAIL',
      detail: `missing in ${where(target)}: ${missing.join(', ')}`,
      fix:
        `create the CloudWatch alarm${missing.length === 1 ? '' : 's'} ${missing.join(', ')} in ${where(target)}, ` +
        `or correct environments.${target.environment}.health.alarms`,
    };
  }
  // A bake fails on an alarm in ALARM: worth knowing now, but nothing is wrong with the setup.
  const firing = target.alarms.filter((name) => found.find((alarm) => alarm.name === name)?.state === 'ALARM');
  if (firing.length > 0) {
    return {
      result: 'WARN',
      detail: `in ALARM now: ${firing.join(', ')}`,
      fix: `a deploy's bake fails while ${firing.join(', ')} ${firing.length === 1 ? 'is' : 'are'} in ALARM: look at what set it off`,
    };
  }
  return { result: 'ok', detail: `${target.alarms.join(', ')} exist${target.alarms.length === 1 ? 's' : ''}` };
}

/**
 * The environment's alarms before the first deploy creates what they watch: the template it creates that from (a
 * service template, an application's own template) may create them with it (the demo's web-service does), so a
 * missing one is only known to matter once that exists. `by` creates `what`: `services/web v1.0`, `the service`.
 */
export function alarmsBeforeCreation(
  target: TargetPlace,
  found: ReadonlyArray<{ name: string; state?: string }>,
  by: string,
  what: string,
): Outcome {
  const missing = target.alarms.filter((name) => !found.some((alarm) => alarm.name === name));
  if (missing.length === 0) return alarmsOutcome(target, found);
  const one = missing.length === 1;
  return {
    result: 'skipped',
    detail:
      `${missing.join(', ')} ${one ? 'is' : 'are'} not in ${where(target)} yet: ${by} may create ` +
      `${one ? 'it' : 'them'} with ${what}; checked once ${what} exists`,
  };
}
