import type { Logger } from '../log.ts';

/**
 * Work that happens after an answer was given (a private link card after a click, admin notices):
 * Lark only waits 3 s for a callback (docs/lark-notes.md §1.10), so anything slow runs here. Failures are
 * logged, never thrown into the transport; drain() lets tests and shutdown wait for it.
 */
export class Background {
  private readonly running = new Set<Promise<void>>();

  run(log: Logger, what: string, fn: () => Promise<unknown>): void {
    const p = (async () => {
      try {
        await fn();
      } catch (err) {
        log.error({ err }, `${what} failed`);
      }
    })();
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  get size(): number {
    return this.running.size;
  }

  async drain(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }
}
