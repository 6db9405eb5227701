/**
 * The turns running in this process. A shutdown lets them finish for a grace period, then ends the rest, which are
 * stored as `error`/`interrupted` and told so on their stream, instead of being cut when the process exits.
 */
export interface TurnRegistry {
  /** Fires when the grace period is over: running turns stop their model call. */
  readonly stopping: AbortSignal;
  readonly running: number;
  track(turn: Promise<unknown>): void;
  /** Waits up to `graceMs` for running turns, then stops the rest and waits for them to be stored; returns how many were cut. */
  drain(graceMs: number): Promise<number>;
}

export function createTurnRegistry(): TurnRegistry {
  const running = new Set<Promise<unknown>>();
  const stop = new AbortController();
  return {
    stopping: stop.signal,
    get running() {
      return running.size;
    },
    track(turn) {
      running.add(turn);
      void turn.finally(() => running.delete(turn));
    },
    async drain(graceMs) {
      if (running.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
        await Promise.race([Promise.allSettled([...running]), grace]);
        clearTimeout(timer);
      }
      const cut = running.size;
      stop.abort();
      await Promise.allSettled([...running]);
      return cut;
    },
  };
}
