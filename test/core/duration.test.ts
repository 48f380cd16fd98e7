import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../core/duration';

describe('parseDuration', () => {
  it.each([
    ['0s', 0],
    ['90s', 90],
    ['1m', 60],
    ['10m', 600],
    ['24h', 86_400],
    ['1h30m', 5400],
    ['1h0m5s', 3605],
    ['2h15s', 7215],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '10', '5 minutes', '1.5h', '-1m', '30m1h', '1d', '1H', ' 1m', '1m '])(
    'rejects %j and names the accepted forms',
    (text) => {
      expect(() => parseDuration(text)).toThrow(/invalid duration .*like 90s, 10m, 24h or 1h30m/);
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [90, '1m30s'],
    [600, '10m'],
    [5400, '1h30m'],
    [86_400, '24h'],
    [3605, '1h5s'],
  ])('writes %i seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('writes what parseDuration reads back', () => {
    for (const seconds of [0, 1, 59, 60, 61, 3599, 3600, 3661, 90_061]) {
      expect(parseDuration(formatDuration(seconds))).toBe(seconds);
    }
  });

  it.each([-1, 1.5, Number.NaN])('refuses %s, which is not a whole number of seconds', (seconds) => {
    expect(() => formatDuration(seconds)).toThrow(/whole number of seconds/);
  });
});
