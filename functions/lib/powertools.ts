import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

// One set per process: every step logs, traces and counts under the same service name.
export const logger = new Logger({ serviceName: 'crossdeploy' });
export const tracer = new Tracer({ serviceName: 'crossdeploy' });
export const metrics = new Metrics({ namespace: 'crossdeploy', serviceName: 'crossdeploy', logger });
