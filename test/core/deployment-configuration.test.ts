import { describe, expect, it } from 'vitest';
import { configurationToRestore, recordedConfiguration } from '../../core/deployment-configuration';

describe('recordedConfiguration', () => {
  it('keeps every field the team set and drops what the SDK left empty', () => {
    const described = {
      deploymentCircuitBreaker: { enable: true, rollback: false },
      maximumPercent: 200,
      minimumHealthyPercent: undefined,
      alarms: null,
      strategy: 'ROLLING',
      bakeTimeInMinutes: 5,
    };

    expect(recordedConfiguration(described)).toEqual({
      deploymentCircuitBreaker: { enable: true, rollback: false },
      maximumPercent: 200,
      strategy: 'ROLLING',
      bakeTimeInMinutes: 5,
    });
  });

  it('records a service without a configuration as an empty one', () => {
    expect(recordedConfiguration(undefined)).toEqual({});
  });
});

describe('configurationToRestore', () => {
  it('puts the recorded configuration back as it was', () => {
    const recorded = {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 150,
      alarms: { alarmNames: ['web-latency'], enable: true, rollback: false },
    };

    expect(configurationToRestore(recorded)).toEqual(recorded);
  });

  it('switches off the circuit breaker and the alarms crossdeploy armed when the team had neither', () => {
    expect(configurationToRestore({ maximumPercent: 200 })).toEqual({
      maximumPercent: 200,
      deploymentCircuitBreaker: { enable: false, rollback: false },
      alarms: { alarmNames: [], enable: false, rollback: false },
    });
  });
});
