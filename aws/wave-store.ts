// A deployment's waves in the orchestrator's artifacts bucket, under `deployments/<deploymentId>/wave-<n>/`: the
// targets each wave's Distributed Map reads, the results it writes, and the targets a failed wave puts back. The
// workflow's states carry only where they are, so a wave of any size fits Step Functions' 256 KiB payloads
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).

import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StoredWave, WaveStore, WaveTarget } from '../core/contracts';
import type { PlannedStage } from '../core/pipeline-check';
import type { CheckedStage } from '../core/pipeline-types';
import { storedWaveOf } from '../core/wave';
import { awsCall } from './transient';

/** S3 as far as the wave store goes; S3Client is one. */
export type S3Store = Pick<S3Client, 'send'>;

/** A wave whose targets are listed; the rest of it is the map's. */
export interface ListedWave<T extends WaveTarget = WaveTarget> {
  maxConcurrency: number;
  failureTolerance: number;
  targets: T[];
}

/** Where the targets a failed wave puts back are listed, for its rollback's Distributed Map. */
export interface RollBackList {
  bucket: string;
  key: string;
  count: number;
}

/** The Map Run's `ResultWriterDetails`: where its manifest is. */
export interface ResultWriterDetails {
  Bucket: string;
  Key: string;
}

/** One child execution as ResultWriter exports it; Input and Output are JSON text. */
export interface MapRunResult {
  ExecutionArn: string;
  Status: string;
  Input: string;
  Output?: string;
  Error?: string;
  Cause?: string;
}

/** Writes each wave's targets to S3 and returns the waves as deploy-environment takes them. */
export async function storeWaves(
  s3: S3Store,
  bucket: string,
  deploymentId: string,
  waves: ListedWave[],
): Promise<StoredWave[]> {
  return Promise.all(
    waves.map(async (wave, i) => {
      const stored = storedWaveOf(bucket, deploymentId, i, wave);
      await putJson(s3, bucket, stored.store.targets, wave.targets);
      return stored;
    }),
  );
}

/** Each stage the map plans, its waves' targets stored: the stages the pipeline runs. */
export async function storeStages(s3: S3Store, bucket: string, stages: PlannedStage[]): Promise<CheckedStage[]> {
  return Promise.all(
    stages.map(async (stage) => {
      const waves = await storeWaves(s3, bucket, stage.plan.deployment.deploymentId, stage.plan.waves);
      return { ...stage, plan: { ...stage.plan, waves } } as CheckedStage;
    }),
  );
}

export async function readWaveTargets(s3: S3Store, store: WaveStore): Promise<WaveTarget[]> {
  return getJson<WaveTarget[]>(s3, store.bucket, store.targets);
}

/** Every child execution's result a Map Run exported, whatever its status. */
export async function readMapResults(s3: S3Store, details: ResultWriterDetails): Promise<MapRunResult[]> {
  const manifest = await getJson<{ ResultFiles: Record<string, { Key: string }[]> }>(s3, details.Bucket, details.Key);
  const files = Object.values(manifest.ResultFiles).flat();
  const results = await Promise.all(files.map((f) => getJson<MapRunResult[]>(s3, details.Bucket, f.Key)));
  return results.flat();
}

export async function storeRollBack<T>(s3: S3Store, store: WaveStore, toRollBack: T[]): Promise<RollBackList> {
  const key = `${store.prefix}/rollback.json`;
  await putJson(s3, store.bucket, key, toRollBack);
  return { bucket: store.bucket, key, count: toRollBack.length };
}

/** One JSON object of the artifacts bucket, written whole. */
export async function putJson(s3: S3Store, bucket: string, key: string, value: unknown): Promise<void> {
  await awsCall(`s3:PutObject s3://${bucket}/${key}`, () =>
    s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' }),
    ),
  );
}

/** One JSON object of the artifacts bucket, read whole. */
export async function getJson<T>(s3: S3Store, bucket: string, key: string): Promise<T> {
  const object = await awsCall(`s3:GetObject s3://${bucket}/${key}`, () =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
  );
  return JSON.parse((await object.Body?.transformToString()) ?? 'null') as T;
}
