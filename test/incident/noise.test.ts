import { describe, expect, it } from 'vitest';
import { openIncident } from '../../src/incident/incident.ts';
import { defaultNoise, noiseFor, refire } from '../../src/incident/noise.ts';
import type { Incident } from '../../src/incident/types.ts';

// The noise rules, pure (issue 26): re-fire within reopen_minutes of resolving by itself, flapping.
const MIN = 60_000;
const resolved = (kind: 'auto_resolve' | 'resolve', at: number): Incident => {
  const inc = openIncident({ number: 7, sourceId: 1, groupKey: 'g', title: 't', description: null, severity: 'critical', labels: {}, links: [] }, { id: null, name: 'prom', via: 'auto' }, 0);
  const by = { id: null, name: 'x', at };
  return { ...inc, status: 'resolved', openKey: null, resolvedBy: by, lastAction: { kind, by, via: 'auto' } };
};

describe('refire', () => {
  it('reopens within reopen_minutes of resolving by itself, not at or after them, not after a resolve by hand', () => {
    expect(refire(resolved('auto_resolve', 0), 2, 3 * MIN)).toMatchObject({ reopen: true, flapping: null, message: '#7 reopened by the alert: it fired again 3m after resolving by itself' });
    expect(refire(resolved('auto_resolve', 0), 2, 10 * MIN).reopen).toBe(false);
    expect(refire(resolved('resolve', 0), 2, MIN).reopen).toBe(false);
    expect(refire(null, 0, MIN).reopen).toBe(false);
  });
  it('flaps from the 4th change in 60 min, whatever resolved it, and not after 60 quiet minutes', () => {
    expect(refire(resolved('resolve', 0), 4, 30 * MIN)).toMatchObject({ reopen: true, flapping: { changes: 5, minutes: 60 }, message: expect.stringContaining('5th change in 60 min') });
    expect(refire(resolved('auto_resolve', 0), 3, 30 * MIN).reopen).toBe(false);
    expect(refire(resolved('auto_resolve', 0), 11, MIN)).toMatchObject({ message: expect.stringContaining('12th change') });
  });
  it("a source's own settings: null keeps the default, 0 turns reopening or flapping off", () => {
    const own = (reopenMinutes: number | null, flapChanges: number | null, flapMinutes: number | null) => noiseFor(defaultNoise, { reopenMinutes, flapChanges, flapMinutes });
    expect(own(null, null, null)).toEqual(defaultNoise);
    expect(own(30, 6, 20)).toEqual({ reopenMs: 30 * MIN, flapChanges: 6, flapMs: 20 * MIN });
    expect(refire(resolved('auto_resolve', 0), 2, 3 * MIN, own(0, null, null)).reopen).toBe(false);
    expect(refire(resolved('auto_resolve', 0), 20, 3 * MIN, own(0, 0, null)).reopen).toBe(false);
    expect(refire(resolved('resolve', 0), 20, 3 * MIN, own(null, 4, 0)).reopen).toBe(false);
    expect(refire(resolved('resolve', 0), 2, 3 * MIN, own(null, 2, 60))).toMatchObject({ reopen: true, flapping: { changes: 3, minutes: 60 } });
  });
});
