// A DynamoDB write with a condition, where a condition that does not hold is an answer (a closed record, a lease
// taken over, a wait someone else settled) rather than a failure: the caller learns which, and moves on.

import { awsCall } from './transient';

/** Runs `write` as `awsCall` does: true when it wrote, false when its condition did not hold. */
export async function conditionalWrite(what: string, write: () => Promise<unknown>): Promise<boolean> {
  try {
    await awsCall(what, write);
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
