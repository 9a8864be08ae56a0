/**
 * When the sync loop runs a pass: a small state machine with one timer, so that no trigger is lost and
 * polling never stops.
 *
 *   idle     --timer fires, trigger(), runNow()-->  running
 *   running  --trigger(), runNow()-->                running, one more pass owed (however many calls)
 *   running  --the pass ends-->                      running the owed pass at once; else idle, with the
 *                                                    timer armed for the interval (after start()),
 *                                                    whatever started the pass that ended
 *   any      --stop()-->                             stopped: timer cleared, nothing owed, the running
 *                                                    pass awaited
 *
 * A trigger when idle arms the timer at 0 (the caller, a webhook handler, answers first); it replaces
 * the interval's timeout, and the interval is armed again after that pass.
 */
import { ScopectlError } from "../core/errors.ts";

/** What a runNow() caller waiting for an owed pass gets when stop() cancels that pass. */
export class LoopStoppedError extends ScopectlError {
  static readonly code = "sync.stopped";
  declare readonly code: typeof LoopStoppedError.code;

  constructor() {
    super(LoopStoppedError.code, "the sync loop was stopped before the pass could run");
    this.name = "LoopStoppedError";
  }
}

interface Owed<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export class PassSchedule<T> {
  readonly #pass: () => Promise<T>;
  /** Errors of the passes nobody awaits (timed, triggered, owed). */
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<T> | undefined;
  #owed: Owed<T> | undefined;
  #intervalMs: number | undefined;
  #stopped = false;

  constructor(pass: () => Promise<T>, onError: (error: unknown) => void) {
    this.#pass = pass;
    this.#onError = onError;
  }

  /** A pass now, then one `intervalMs` after the end of every pass, until stop(). */
  start(intervalMs: number): void {
    if (this.#stopped) return;
    this.#intervalMs = intervalMs;
    if (!this.#running) this.#begin().catch(this.#onError);
  }

  /** A pass as soon as possible: now when idle, else right after the running one. */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#running) this.#owe();
    else this.#arm(0);
  }

  /** A pass now, or (during a pass) the one after it; resolves with that pass's result. */
  runNow(): Promise<T> {
    return this.#running ? this.#owe().promise : this.#begin();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#begin().catch(this.#onError);
    }, ms);
  }

  #owe(): Owed<T> {
    if (!this.#owed) {
      let resolve!: (value: T) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Whoever else awaits it, a failed owed pass is reported (one cancelled by stop() is not a failure).
      promise.catch((error: unknown) => {
        if (!(error instanceof LoopStoppedError)) this.#onError(error);
      });
      this.#owed = { promise, resolve, reject };
    }
    return this.#owed;
  }

  #begin(): Promise<T> {
    // The pass that runs now is the one the timer was waiting for.
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = this.#pass().finally(() => this.#ended());
    this.#running = run;
    return run;
  }

  /** Runs before the pass's promise settles, so its caller sees the next state. */
  #ended(): void {
    this.#running = undefined;
    const owed = this.#owed;
    this.#owed = undefined;
    if (this.#stopped) {
      owed?.reject(new LoopStoppedError());
      return;
    }
    if (owed) {
      this.#begin().then(owed.resolve, owed.reject);
      return;
    }
    if (this.#intervalMs !== undefined) this.#arm(this.#intervalMs);
  }
}
