// Step Functions refuses execution names longer than 80 characters or outside [A-Za-z0-9_-]
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html): so does the engine.
import { describe, expect, it } from 'vitest';
import { useMoto } from '../support/moto';
import { useWorkflows } from '../support/workflows';

useMoto();
const engine = useWorkflows();

describe('local Step Functions execution names', () => {
  it.each([
    ['81 characters', 'a'.repeat(81)],
    ['a space', 'web main'],
    ['a colon', 'web:main'],
    ['nothing', ''],
  ])('refuses a name of %s with InvalidName before anything runs', (_, name) => {
    let error: unknown;
    try {
      engine().start('rollback-target', {}, { name });
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).name).toBe('InvalidName');
    expect(engine().executions()).toEqual([]);
  });

  it('accepts a name of 80 characters', () => {
    const record = engine().start('rollback-target', {}, { name: 'a'.repeat(80) });
    expect(record.name).toHaveLength(80);
  });
});
