import { describe, expect, it } from 'vitest';
import { principalMatches } from '../../core/principal';

describe('principalMatches', () => {
  it.each([
    ['arn:aws:sts::111111111111:assumed-role/oncall/jane', 'arn:aws:sts::111111111111:assumed-role/oncall/*', true],
    ['arn:aws:sts::111111111111:assumed-role/oncall/jane', 'arn:aws:sts::111111111111:assumed-role/*', true],
    ['arn:aws:iam::111111111111:user/jane', 'arn:aws:iam::111111111111:user/jane', true],
    ['arn:aws:iam::111111111111:user/janet', 'arn:aws:iam::111111111111:user/jane', false],
    ['arn:aws:sts::222222222222:assumed-role/oncall/jane', 'arn:aws:sts::111111111111:assumed-role/oncall/*', false],
    ['arn:aws:sts::111111111111:assumed-role/oncall-x/jane', 'arn:aws:sts::111111111111:assumed-role/oncall/*', false],
    ['arn:aws:iam::111111111111:user/a.b', 'arn:aws:iam::111111111111:user/a?b', false],
  ])('%s against %s: %s', (arn, pattern, expected) => {
    expect(principalMatches(arn, pattern)).toBe(expected);
  });
});
