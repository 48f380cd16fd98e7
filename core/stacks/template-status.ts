// What `crossdeploy status` says of a stack crossdeploy deployed from a template in one account and region (an
// environment's own stack, a service's instance): the template version crossdeploy last deployed there, and whether the registry has a newer one. Pure: aws/status.ts reads the ledger
// and the registry and hands both here.

import { shortCommit } from '../approval-message';
import type { StackLedgerRecord } from '../ledger';
import { registryKey } from '../templates/registry';
import { availableUpgrades, formatVersion, parseVersion, type TemplateVersion } from '../templates/version';

/** Newer published versions of the template a stack runs. */
export interface TemplateUpgrades {
  /** The newest minor of the stack's major, when newer: it takes the inputs the stack has. */
  compatible: string | null;
  /** The newest version of a later major: its inputs may differ (`template upgrade` checks them). */
  breaking: string | null;
}

/** `--json` prints this with exactly these keys, in this order, every key always present. */
export interface TemplateStackStatus {
  /** `environments/<name>` */
  template: string;
  version: string;
  stackName: string;
  /** The deployment that put this version there, and when it ended. */
  deploymentId: string;
  since: string | null;
  /** Null when the registry could not be read: whether a newer version exists is unknown. */
  upgrades: TemplateUpgrades | null;
}

/** What runs: the newest succeeded deployment (a rolled-back one no longer says what runs). */
export function currentStackRecord(recordsNewestFirst: readonly StackLedgerRecord[]): StackLedgerRecord | undefined {
  return recordsNewestFirst.find((r) => r.result === 'succeeded');
}

/** Newer versions than `version` among `published`; versions that do not parse are not offered. */
export function upgradesOf(version: string, published: readonly string[]): TemplateUpgrades {
  const versions = published.flatMap((v): TemplateVersion[] => {
    try {
      return [parseVersion(v)];
    } catch {
      return [];
    }
  });
  const { minor, major } = availableUpgrades(versions, parseVersion(version));
  return { compatible: minor ? formatVersion(minor) : null, breaking: major ? formatVersion(major) : null };
}

/**
 * The stack as the ledger last saw it succeed, or null when it has none there. `published` is the
 * registry's versions of the record's template (undefined when it could not be read).
 */
export function templateStackOf(
  recordsNewestFirst: readonly StackLedgerRecord[],
  published: readonly string[] | undefined,
): TemplateStackStatus | null {
  const current = currentStackRecord(recordsNewestFirst);
  if (!current) return null;
  const { kind, name } = current.template;
  if (kind === 'applications') {
    // An application's template has no registry versions to offer: its next version is its next push.
    return {
      template: `${kind}/${name}`,
      version: shortCommit(current.version),
      stackName: current.stackName,
      deploymentId: current.deploymentId,
      since: current.endedAt,
      upgrades: { compatible: null, breaking: null },
    };
  }
  return {
    template: registryKey(kind, name),
    version: current.version,
    stackName: current.stackName,
    deploymentId: current.deploymentId,
    since: current.endedAt,
    upgrades: published === undefined ? null : upgradesOf(current.version, published),
  };
}

/** One cell: `network v1.0 (v1.2 available; v2.0 breaking)`, or `none`. */
export function templateStackText(stack: TemplateStackStatus | null): string {
  if (!stack) return 'none';
  const name = stack.template.slice(stack.template.indexOf('/') + 1);
  const { upgrades } = stack;
  const offers = upgrades
    ? [
        ...(upgrades.compatible ? [`${upgrades.compatible} available`] : []),
        ...(upgrades.breaking ? [`${upgrades.breaking} breaking`] : []),
      ]
    : ['upgrades unknown'];
  return `${name} ${stack.version}${offers.length > 0 ? ` (${offers.join('; ')})` : ''}`;
}
