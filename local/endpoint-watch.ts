// When the AWS endpoint of the local runtime stops answering (moto stopped, or restarted without the queues),
// the queue consumers must not spin on failed calls: they wait longer after each failure, the outage is said
// once and its end once, and after `giveUpAfterMs` of failures the runtime gives up so `crossdeploy local` exits
// non-zero instead of waiting forever.

import { setTimeout as delay } from 'node:timers/promises';
import { formatDuration } from '../core/duration';

export const GIVE_UP_AFTER_MS = 5 * 60_000;
const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 30_000;

/** Calls to the AWS endpoint failed for as long as the runtime waits for it. */
export class EndpointUnreachable extends Error {
  override name = 'EndpointUnreachable' as const;
  constructor(
    readonly endpoint: string,
    downForMs: number,
    options?: ErrorOptions,
  ) {
    super(
      `calls to the AWS endpoint ${endpoint} have failed for ${formatDuration(Math.round(downForMs / 1000))}: ` +
        `${reasonOf(options?.cause)}. Check that it runs (moto_server), then restart crossdeploy local, which ` +
        'creates its queues again.',
      options,
    );
  }
}

export interface EndpointWatchOptions {
  endpoint: string;
  out: (line: string) => void;
  /** Milliseconds since some epoch; Date.now by default. */
  now?: () => number;
  giveUpAfterMs?: number;
}

/** Shared by every poller of one endpoint, so an outage is said once however many pollers notice it. */
export class EndpointWatch {
  readonly endpoint: string;
  readonly #out: (line: string) => void;
  readonly #now: () => number;
  readonly #giveUpAfterMs: number;
  #downSince: number | undefined;
  #gaveUp: EndpointUnreachable | undefined;
  #onGiveUp: ((error: EndpointUnreachable) => void) | undefined;
  /** Resolves once, when calls have failed for `giveUpAfterMs`. */
  readonly gaveUp: Promise<EndpointUnreachable>;

  constructor(options: EndpointWatchOptions) {
    this.endpoint = options.endpoint;
    this.#out = options.out;
    this.#now = options.now ?? Date.now;
    this.#giveUpAfterMs = options.giveUpAfterMs ?? GIVE_UP_AFTER_MS;
    this.gaveUp = new Promise((resolve) => {
      this.#onGiveUp = resolve;
    });
  }

  /**
   * A call failed: how long to wait before the next one, which doubles the time the endpoint has been failing
   * (1 s, 1 s, 2 s, 4 s, ... up to 30 s, the last wait ending when the watch gives up), or undefined once it has.
   */
  failed(error: unknown): number | undefined {
    if (this.#gaveUp) return undefined;
    const now = this.#now();
    if (this.#downSince === undefined) {
      this.#downSince = now;
      this.#out(
        `crossdeploy local: calls to the AWS endpoint ${this.endpoint} fail (${reasonOf(error)}); ` +
          `retrying with backoff, giving up after ${formatDuration(Math.round(this.#giveUpAfterMs / 1000))}`,
      );
    }
    const downFor = now - this.#downSince;
    if (downFor >= this.#giveUpAfterMs) {
      this.#gaveUp = new EndpointUnreachable(this.endpoint, downFor, { cause: error });
      this.#onGiveUp?.(this.#gaveUp);
      return undefined;
    }
    return Math.min(LONGEST_RETRY_MS, Math.max(FIRST_RETRY_MS, downFor), this.#giveUpAfterMs - downFor);
  }

  /** A call succeeded: the outage, if there was one, is over. */
  answered(): void {
    if (this.#downSince === undefined || this.#gaveUp) return;
    const downFor = this.#now() - this.#downSince;
    this.#downSince = undefined;
    this.#out(
      `crossdeploy local: the AWS endpoint ${this.endpoint} answers again (down for ${formatDuration(Math.round(downFor / 1000))})`,
    );
  }
}

/** Waits `ms`, or less when `signal` aborts (a stopping consumer must not sit out its backoff). */
export function abortableWait(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
