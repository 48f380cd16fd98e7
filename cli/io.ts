/** What a command may touch of the process, so tests can run commands without one. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Relative paths in arguments resolve against this. */
  cwd: string;
}
