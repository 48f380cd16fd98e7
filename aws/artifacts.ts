// The application stacks' templates, one object per service and commit in the orchestrator's artifacts bucket:
// written by the pipeline's packaging build from the service's repository, read by the stack steps. A commit's
// template never changes, so each deployment and each rollback to that commit deploys the same text.

import { createHash } from 'node:crypto';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { ApplicationTemplateRef } from '../core/contracts';
import { ApplicationTemplateNotPackaged } from '../core/errors';
import { TEMPLATE_BODY_MAX_BYTES, TemplateTooLarge } from '../core/templates/registry';
import { awsCall } from './transient';

/** S3 as far as reading one object goes; S3Client is one. */
export interface S3Like {
  send(command: GetObjectCommand): Promise<Pick<GetObjectCommandOutput, 'Body'>>;
}

/** `applications/<service>/<commit>/template.yaml`: the packaging build's buildspec writes the same key. */
export function applicationTemplateKey(ref: Pick<ApplicationTemplateRef, 'name' | 'version'>): string {
  return `applications/${ref.name}/${ref.version}/template.yaml`;
}

export interface PackagedTemplate {
  body: string;
  /** sha256 (hex) of the body. */
  hash: string;
}

export async function readApplicationTemplate(
  s3: S3Like | S3Client,
  bucket: string,
  ref: ApplicationTemplateRef,
): Promise<PackagedTemplate> {
  const key = applicationTemplateKey(ref);
  const object = await awsCall(`s3:GetObject s3://${bucket}/${key}`, () =>
    (s3 as S3Like).send(new GetObjectCommand({ Bucket: bucket, Key: key })),
  ).catch((error: unknown) => {
    if ((error as Error).name === 'NoSuchKey') {
      throw new ApplicationTemplateNotPackaged(
        `${ref.name} at ${ref.version}: no template at s3://${bucket}/${key}; the pipeline's packaging build stores it there`,
        { cause: error },
      );
    }
    throw error;
  });
  const body = (await object.Body?.transformToString('utf8')) ?? '';
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html: TemplateBody
  // takes 51,200 bytes; the stack steps pass the text itself.
  const size = Buffer.byteLength(body, 'utf8');
  if (size > TEMPLATE_BODY_MAX_BYTES) {
    throw new TemplateTooLarge(
      `${ref.name} at ${ref.version}: the template is ${size} bytes; CloudFormation takes ${TEMPLATE_BODY_MAX_BYTES} as a template body`,
    );
  }
  return { body, hash: createHash('sha256').update(body).digest('hex') };
}
