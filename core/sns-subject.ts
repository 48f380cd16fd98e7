// What SNS accepts as a message subject, shared by every message crossdeploy publishes (notices and approval
// requests): SNS refuses the whole publish over a bad subject, so each subject is made to fit before it goes.

/** SNS refuses a longer subject. */
export const SNS_SUBJECT_MAX_CHARS = 100;

/** Non-ASCII and control characters become spaces, and line breaks too: SNS refuses them in a subject. */
export function asciiLine(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
