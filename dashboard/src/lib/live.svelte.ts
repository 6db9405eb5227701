/**
 * Keeps an open page current: calls `refresh` every `intervalMs` while the tab is visible (and once on coming
 * back), never two at a time. Use inside `$effect`, which runs the returned cleanup.
 */
export function pollWhileVisible(intervalMs: number, refresh: () => Promise<unknown>): () => void {
  let running = false;
  const tick = async () => {
    if (running || document.visibilityState !== 'visible') return;
    running = true;
    try {
      await refresh();
    } catch {
      // A failed poll is retried on the next tick; the page keeps what it shows.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, intervalMs);
  const onVisible = () => void tick();
  document.addEventListener('visibilitychange', onVisible);
  return () => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

/** A clock for relative times ("3 min ago") that ticks on its own. */
export class Ticker {
  now = $state(Date.now());
  /** Call inside `$effect`. */
  start(everyMs = 30_000): () => void {
    this.now = Date.now();
    const timer = setInterval(() => (this.now = Date.now()), everyMs);
    return () => clearInterval(timer);
  }
}
