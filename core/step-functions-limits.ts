// Step Functions quotas that crossdeploy's workflows can run into, shared by the map's validation and the
// local engine that enforces them.

/**
 * An inline Map runs at most 40 iterations at a time, whatever its MaxConcurrency asks for
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-asl-use-map-state-inline.html).
 */
export const MAX_INLINE_MAP_CONCURRENCY = 40;
