// What `crossdeploy doctor` prints: one row per check and target, each distinct fix once with where it applies,
// the summary line and the exit code.

import type { CheckName, CheckResult, Outcome } from './checks';
import type { DoctorTarget, StackDoctorTarget } from './targets';

/** A printed row; `--json` prints these with exactly these keys, in this order. */
export interface DoctorRow {
  service: string;
  environment: string;
  account: string;
  region: string;
  /** The ECS service's cluster; null for an application stack. */
  cluster: string | null;
  /** The ECS service's name in the target; null for an application stack. */
  ecsService: string | null;
  /** The application stack (`crossdeploy-app-<service>-<environment>`); null for an ECS service. */
  stack: string | null;
  check: CheckName;
  result: CheckResult;
  detail: string;
  fix: string | null;
}

export function toRow(target: DoctorTarget | StackDoctorTarget, check: CheckName, outcome: Outcome): DoctorRow {
  const deployed =
    'ecsService' in target
      ? { cluster: target.cluster, ecsService: target.ecsService, stack: null }
      : { cluster: null, ecsService: null, stack: target.stack };
  return {
    service: target.service,
    environment: target.environment,
    account: target.account,
    region: target.region,
    ...deployed,
    check,
    result: outcome.result,
    detail: outcome.detail,
    fix: outcome.fix ?? null,
  };
}

/** A fix, once, with every place it applies to (the same missing grant or unbootstrapped account recurs). */
export interface Fix {
  check: CheckName;
  result: 'WARN' | 'FAIL';
  fix: string;
  /** `web dev 222222222222/eu-west-1` */
  where: string[];
}

/** The fixes of FAIL rows, then of WARN rows, each in the order of its first row. */
export function fixesOf(rows: readonly DoctorRow[]): Fix[] {
  const fixes = new Map<string, Fix>();
  for (const result of ['FAIL', 'WARN'] as const) {
    for (const row of rows) {
      if (row.result !== result || row.fix === null) continue;
      const key = JSON.stringify([row.check, result, row.fix]);
      const fix = fixes.get(key) ?? { check: row.check, result, fix: row.fix, where: [] };
      fix.where.push(`${row.service} ${row.environment} ${row.account}/${row.region}`);
      fixes.set(key, fix);
    }
  }
  return [...fixes.values()];
}

export function exitCodeOf(rows: readonly DoctorRow[]): 0 | 1 {
  return rows.some((row) => row.result === 'FAIL') ? 1 : 0;
}

/** `15 checks: 12 ok, 1 WARN, 1 FAIL, 1 skipped` */
export function summaryOf(rows: readonly DoctorRow[]): string {
  const count = (result: CheckResult) => rows.filter((row) => row.result === result).length;
  const parts = (['ok', 'WARN', 'FAIL', 'skipped'] as const).map((result) => `${count(result)} ${result}`);
  return `${rows.length} check${rows.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
