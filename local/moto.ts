// Runs moto's server mode as a child process: the stand-in for every AWS API the local runtime calls. It runs
// local/moto/server.py, moto's own server with CloudFormation's change sets patched to behave like AWS's and DynamoDB's
// Query reading one partition.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
  /** Wipes every account's state; ~30 ms, so tests share one server and reset between cases. */
  reset(): Promise<void>;
}

export interface MotoOptions {
  port?: number;
  /** The Python that runs moto (`python3` on PATH); tests point it at a missing one to check the install hint. */
  command?: string;
}

export class MotoNotInstalled extends Error {
  override name = 'MotoNotInstalled' as const;
  /** `problem`: what is missing, e.g. `"python3" was not found on PATH`. */
  constructor(problem: string, options?: ErrorOptions) {
    super(`${problem}. Install moto's server mode: pip install "moto[server]"`, options);
  }
}

const SERVER_SCRIPT = fileURLToPath(new URL('./moto/server.py', import.meta.url));
/** What local/moto/server.py exits with when its Python cannot import moto. */
const MOTO_MISSING_EXIT = 3;

// moto answers within ~0.6 s on a quiet machine; 200 × 50 ms leaves room for a loaded CI box.
const READY_ATTEMPTS = 200;
const READY_INTERVAL_MS = 50;
const STDERR_TAIL_CHARS = 4000;

export async function startMoto(opts: MotoOptions = {}): Promise<Moto> {
  const command = opts.command ?? 'python3';
  const port = opts.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  // MOTO_ACCOUNT_ID is deliberately not set: it would pin every request, assumed roles included, to one account.
  const child = spawn(command, [SERVER_SCRIPT, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await spawned(child, command);

  // moto logs every request to stderr: keep draining it, or a full pipe would block the server.
  let stderrTail = '';
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });
  // Neither the child nor its pipes may keep the parent alive; tieToProcess ends the child with it.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.unref();
  const untie = tieToProcess(child);

  const stop = async () => {
    untie();
    await end(child);
  };

  try {
    await waitUntilAnswering(endpoint, child, command, () => stderrTail);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    endpoint,
    stop,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status} ${await response.text()}`);
    },
  };
}

const ENDING_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * Ends the child with this process, also when a signal ends it (test runners stop their workers with
 * SIGTERM, which skips 'exit' handlers). Only SIGKILL of this process can still orphan moto.
 */
function tieToProcess(child: ChildProcess): () => void {
  const killNow = () => child.kill('SIGKILL');
  const onSignal = (signal: NodeJS.Signals) => {
    untie();
    // Waiting for the child reaps it, then this process dies of the signal as it would have without this
    // handler (unless someone else handles the signal).
    void end(child).then(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  const untie = () => {
    process.off('exit', killNow);
    for (const signal of ENDING_SIGNALS) process.off(signal, onSignal);
  };
  process.on('exit', killNow);
  for (const signal of ENDING_SIGNALS) process.on(signal, onSignal);
  return untie;
}

/**
 * SIGKILL: moto holds nothing worth a graceful shutdown, and it takes 0.3-0.5 s to honour SIGTERM, longer than
 * vitest waits for a worker before killing it (which would leave moto a zombie).
 */
async function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.ref();
  child.kill('SIGKILL');
  await exited;
}

/** Resolves once the process exists; a missing executable only surfaces as an asynchronous 'error' event. */
function spawned(child: ChildProcess, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT' ? new MotoNotInstalled(`"${command}" was not found on PATH`, { cause: error }) : error,
      );
    });
  });
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  command: string,
  stderr: () => string,
): Promise<void> {
  for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
    if (child.exitCode === MOTO_MISSING_EXIT) {
      throw new MotoNotInstalled(`moto is not importable by "${command}"`, { cause: new Error(stderr()) });
    }
    if (child.exitCode !== null) {
      throw new Error(`moto's server exited with code ${child.exitCode} before answering:\n${stderr()}`);
    }
    try {
      await (await fetch(endpoint)).arrayBuffer();
      return;
    } catch {
      await delay(READY_INTERVAL_MS);
    }
  }
  throw new Error(`moto's server did not answer on ${endpoint} after ${READY_ATTEMPTS} attempts:\n${stderr()}`);
}

/** A port the OS just handed out; moto binds it right after, so the race window is tiny. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not determine a free port');
  return address.port;
}
