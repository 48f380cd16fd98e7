// A wave as deploy-environment leaves it in S3, for testing the step that judges it on its own: the targets
// the pipeline's check stored, and a Map Run's results in ResultWriter's layout
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { settings } from '../../aws/settings';
import { type ListedWave, type RollBackList, storeWaves } from '../../aws/wave-store';
import type { StoredWave } from '../../core/contracts';
import { createArtifactsBucket } from '../../local/orchestrator';

export const s3 = () => new S3Client({ region: 'us-east-1' });

export async function storedWave(deploymentId: string, wave: ListedWave): Promise<StoredWave> {
  await createArtifactsBucket('us-east-1');
  const [stored] = await storeWaves(s3(), settings.artifactsBucket(), deploymentId, [wave]);
  if (!stored) throw new Error('no wave stored');
  return stored;
}

/** Writes one SUCCEEDED iteration per entry, with its Input and Output, and returns ResultWriterDetails. */
export async function mapRunResults(wave: StoredWave, iterations: { input: unknown; output: unknown }[]) {
  const { bucket, prefix } = wave.store;
  const results = iterations.map((it, i) => ({
    ExecutionArn: `arn:aws:states:us-east-1:111111111111:execution:deploy-environment/deploy-targets-of-wave:run-${i}`,
    Status: 'SUCCEEDED',
    Input: JSON.stringify(it.input),
    Output: JSON.stringify(it.output),
  }));
  const file = `${prefix}/run/SUCCEEDED_0.json`;
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: file, Body: JSON.stringify(results) }));
  const manifest = `${prefix}/run/manifest.json`;
  const body = { DestinationBucket: bucket, ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: file }] } };
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: manifest, Body: JSON.stringify(body) }));
  return { ResultWriterDetails: { Bucket: bucket, Key: manifest } };
}

export async function rollBackList(list: unknown): Promise<unknown> {
  const { bucket, key } = list as RollBackList;
  const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await object.Body?.transformToString()) ?? 'null');
}
