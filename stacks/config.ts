// Deploy-time settings of the orchestrator stack. Pure: no Pulumi, no SST globals, so tests can import it.

export const DEFAULT_DEPLOY_ROLE = 'crossdeploy-deploy';

// IAM role names: up to 64 of letters, digits and + = , . @ _ -
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * Name of the role the step functions assume in every target account (`deployRole` in crossdeploy.yaml
 * must name the same role: the functions may assume no other). Set `CROSSDEPLOY_DEPLOY_ROLE` to change it.
 */
export function deployRoleName(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const name = env.CROSSDEPLOY_DEPLOY_ROLE?.trim() || DEFAULT_DEPLOY_ROLE;
  if (!ROLE_NAME.test(name)) {
    throw new Error(`CROSSDEPLOY_DEPLOY_ROLE=${JSON.stringify(name)} is not an IAM role name (1-64 of [\\w+=,.@-])`);
  }
  return name;
}

/** CloudWatch Logs retention, in SST's words (for `sst.aws.Function`) and in days (for a plain LogGroup). */
const RETENTION_DAYS = { '1 month': 30, '1 year': 365 } as const;
export type LogRetention = keyof typeof RETENTION_DAYS;

export function logRetention(stage: string): { name: LogRetention; days: number } {
  const name: LogRetention = stage === 'prod' ? '1 year' : '1 month';
  return { name, days: RETENTION_DAYS[name] };
}

/** Every step logs, traces and counts under one service name (functions/lib/powertools.ts uses the same). */
export const POWERTOOLS_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: 'crossdeploy',
  POWERTOOLS_METRICS_NAMESPACE: 'crossdeploy',
  POWERTOOLS_LOG_LEVEL: 'INFO',
} as const;

/** `crossdeploy-dev-deploy-target`: a per-stage name for a resource that AWS names explicitly. */
export function stageName(app: string, stage: string, name: string, maxLength: number): string {
  const full = `${app}-${stage}-${name}`;
  if (full.length > maxLength) {
    throw new Error(`${full} is longer than ${maxLength} characters: use a shorter stage name`);
  }
  return full;
}
