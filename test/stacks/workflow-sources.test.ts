import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STATE_MACHINES } from '../../stacks/substitutions';
import { aslText, NESTED_START_RETRY, TRANSIENT_LAMBDA_RETRY } from '../../state-machines/asl';
import { WORKFLOW_SOURCES } from '../../state-machines/workflows';

const fileOf = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../state-machines/${name}.asl.json`, import.meta.url)), 'utf8');

type Node = { [key: string]: unknown };
function tasks(states: Record<string, Node>): [string, Node][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const inner = (state.ItemProcessor as { States?: Record<string, Node> } | undefined)?.States;
    return [...(state.Type === 'Task' ? [[name, state] as [string, Node]] : []), ...(inner ? tasks(inner) : [])];
  });
}

describe('workflow sources (state-machines/*.ts)', () => {
  it.each(Object.keys(WORKFLOW_SOURCES))(
    '%s.asl.json is what its source builds (run `npm run asl` after a change)',
    (name) => {
      expect(fileOf(name)).toBe(aslText(WORKFLOW_SOURCES[name] as Node as never));
    },
  );

  it('has a source for every state machine the app deploys, and none more', () => {
    expect(Object.keys(WORKFLOW_SOURCES).sort()).toEqual(STATE_MACHINES.map((m) => m.file).sort());
  });

  it('retries every Lambda step on transient errors and every nested start on capacity errors', () => {
    for (const name of Object.keys(WORKFLOW_SOURCES)) {
      const definition = JSON.parse(fileOf(name)) as { States: Record<string, Node> };
      for (const [state, task] of tasks(definition.States)) {
        const retry = task.Retry as unknown[] | undefined;
        const resource = String(task.Resource);
        if (/FunctionArn\}$/.test(resource) || resource.startsWith('arn:aws:states:::lambda:invoke')) {
          expect(retry?.at(-1), `${name}: ${state}`).toEqual(TRANSIENT_LAMBDA_RETRY);
        }
        if (resource === 'arn:aws:states:::states:startExecution.sync:2') {
          expect(retry, `${name}: ${state}`).toEqual([NESTED_START_RETRY]);
        }
      }
    }
  });
});
