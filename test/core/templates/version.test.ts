import { describe, expect, it } from 'vitest';
import {
  availableUpgrades,
  compareVersions,
  formatVersion,
  InvalidTemplateVersion,
  latestInMajor,
  parseVersion,
} from '../../../core/templates/version';

const v = parseVersion;

describe('template versions', () => {
  it.each([
    ['v1.0', { major: 1, minor: 0 }],
    ['v0.3', { major: 0, minor: 3 }],
    ['v12.10', { major: 12, minor: 10 }],
  ])('reads %s', (text, version) => {
    expect(parseVersion(text)).toEqual(version);
    expect(formatVersion(version)).toBe(text);
  });

  it.each(['1.0', 'v1', 'v1.0.0', 'v01.0', 'v1.02', 'V1.0', 'v-1.0', ''])(
    'refuses %j with the form it takes',
    (text) => {
      expect(() => parseVersion(text)).toThrow(InvalidTemplateVersion);
      expect(() => parseVersion(text)).toThrow('write v<major>.<minor>');
    },
  );

  it('orders by major, then minor, numerically', () => {
    const sorted = ['v1.10', 'v2.0', 'v1.2', 'v1.9'].map(v).sort(compareVersions).map(formatVersion);
    expect(sorted).toEqual(['v1.2', 'v1.9', 'v1.10', 'v2.0']);
  });

  it('finds the newest minor of a major, and nothing for a major never published', () => {
    const published = ['v1.0', 'v1.3', 'v2.0', 'v1.1'].map(v);
    expect(latestInMajor(published, 1)).toEqual(v('v1.3'));
    expect(latestInMajor(published, 3)).toBeUndefined();
  });

  it.each([
    ['v1.0', { minor: 'v1.3', major: 'v2.1' }],
    ['v1.3', { major: 'v2.1' }],
    ['v2.0', { minor: 'v2.1' }],
    ['v2.1', {}],
  ])('offers an instance on %s the upgrades %o', (current, expected) => {
    const published = ['v1.0', 'v1.3', 'v2.0', 'v2.1'].map(v);
    const offered = availableUpgrades(published, v(current));
    expect(Object.fromEntries(Object.entries(offered).map(([k, version]) => [k, formatVersion(version)]))).toEqual(
      expected,
    );
  });
});
