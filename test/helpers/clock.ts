import type { Clock } from '../../src/incident/ports.ts';

/** A clock tests move by hand: no sleeps, no wall time (default: now). */
export class FakeClock implements Clock {
  constructor(public t = Date.now()) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
