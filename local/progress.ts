import type { DeployTarget } from '../core/contracts';
import type { ExecutionRecord, HistoryEvent } from './step-functions';

/**
 * Narrates executions as they run: one line per step per target (a wait loop is told once, with its
 * outcome at the end), and the end of every execution with its failure cause.
 */
export function progressPrinter(out: (line: string) => void, now: () => number = Date.now) {
  const told = new Set<string>();
  const started = now();
  const stamp = () => `${((now() - started) / 1000).toFixed(1).padStart(5)}s`;

  return (execution: ExecutionRecord, event: HistoryEvent) => {
    // Pipelines and rollbacks carry their fields flat; a deployment's environment and targets carry them in `deployment`.
    const input = execution.input as {
      environment?: string;
      deployment?: { environment?: string };
      target?: DeployTarget;
      serviceName?: string;
      branch?: string;
      kind?: string;
      stages?: { environment?: string }[];
    };
    const environment = input.environment ?? input.deployment?.environment;
    const who = input.target
      ? `${environment ?? 'rollback'} ${input.target.account}/${input.target.region}`
      : environment
        ? `${environment} environment`
        : input.kind === 'provision'
          ? `${input.stages?.[0]?.environment} provisioning`
          : `${input.serviceName} ${input.kind === 'rollback' ? 'rollback' : `${input.branch} pipeline`}`;
    if (event.type === 'StateEntered' && event.state && execution.stateMachine !== 'deploy-environment') {
      const key = `${execution.executionArn}|${event.state}`;
      if (told.has(key) || isControlState(event.state)) return;
      told.add(key);
      out(`${stamp()}  ${who.padEnd(34)} ${event.state}`);
      return;
    }
    if (event.type === 'ExecutionStarted' && ['pipeline', 'deploy-environment'].includes(execution.stateMachine)) {
      out(`${stamp()}  ${who.padEnd(34)} started ${execution.name}`);
    }
    if (event.type === 'ExecutionSucceeded') out(`${stamp()}  ${who.padEnd(34)} ✔ ${done(execution)}`);
    if (event.type === 'ExecutionFailed') {
      out(`${stamp()}  ${who.padEnd(34)} ✘ ${event.error}: ${event.cause ?? ''}`);
    }
  };
}

function isControlState(state: string): boolean {
  return state.startsWith('Wait ') || state.endsWith('?');
}

function done(execution: ExecutionRecord): string {
  if (execution.stateMachine === 'deploy-target') return 'deployed and baked';
  if (execution.stateMachine === 'rollback-target') return 'rolled back and steady';
  return `${execution.stateMachine} succeeded`;
}
