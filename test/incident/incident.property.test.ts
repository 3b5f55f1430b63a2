import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HarkError } from '../../src/errors.ts';
import { decide, openIncident, type Command } from '../../src/incident/incident.ts';
import { MAX_SNOOZE_MS, MIN_SNOOZE_MS } from '../../src/incident/duration.ts';
import type { Actor, Incident } from '../../src/incident/types.ts';

// Random sequences of commands by random people at random times keep the lifecycle invariants.

const T0 = Date.parse('2026-05-01T10:00:00Z');
const people: Actor[] = [
  { id: 1, name: 'Alice', via: 'card' },
  { id: 2, name: 'Bob', via: 'command' },
  { id: null, name: 'admin', via: 'api' },
];

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constant({ type: 'ack' } as const),
  fc.constant({ type: 'unack' } as const),
  fc.integer({ min: MIN_SNOOZE_MS, max: MAX_SNOOZE_MS }).map((durationMs) => ({ type: 'snooze', durationMs }) as const),
  fc.constant({ type: 'resolve' } as const),
  fc.boolean().map((groupFree) => ({ type: 'reopen', groupFree }) as const),
  fc.constant({ type: 'snooze_end' } as const),
  fc.constant({ type: 'auto_resolve' } as const),
);

const step = fc.record({
  cmd: command,
  actor: fc.constantFrom(...people),
  // Mostly small steps, sometimes past a snooze.
  advance: fc.oneof(fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 0, max: 8 * 86_400_000 })),
});

function fresh(): Incident {
  return openIncident(
    { number: 42, sourceId: 7, groupKey: 'g', title: 'Disk full', description: null, severity: 'critical', labels: {}, links: [] },
    { id: null, name: 'prom', via: 'auto' },
    T0,
  );
}

function checkInvariants(i: Incident): void {
  if (i.status === 'acknowledged') expect(i.ackedBy).not.toBeNull();
  if (i.status === 'triggered') expect(i.ackedBy).toBeNull();
  if (i.status === 'resolved') {
    expect(i.openKey).toBeNull();
    expect(i.snoozedUntil).toBeNull();
    expect(i.resolvedBy).not.toBeNull();
  } else {
    expect(i.resolvedBy).toBeNull();
  }
  if (i.openKey !== null) expect(i.openKey).toBe('7:g');
  expect(i.snoozedUntil === null).toBe(i.snoozedBy === null);
  if (i.snoozedUntil !== null) expect(i.snoozedUntil).toBeGreaterThan(i.snoozedBy!.at);
  expect(i.updatedAt).toBeGreaterThanOrEqual(i.createdAt);
}

describe('incident state machine', () => {
  it('keeps its invariants under any sequence of commands', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let inc = fresh();
        let now = T0;
        checkInvariants(inc);
        for (const { cmd, actor, advance } of steps) {
          now += advance;
          let out;
          try {
            out = decide(inc, cmd, actor, now);
          } catch (err) {
            // Refusals are conflicts with a sentence, and change nothing.
            expect(err).toBeInstanceOf(HarkError);
            expect((err as HarkError).code).toBe('conflict');
            expect((err as HarkError).message).toMatch(/^#42 /);
            continue;
          }
          if (out.changed) {
            expect(out.incident.version).toBe(inc.version + 1);
            expect(out.incident.updatedAt).toBe(now);
            expect(out.incident.lastAction).toEqual({ kind: out.kind, by: { id: actor.id, name: actor.name, at: now }, via: actor.via });
          } else {
            expect(out.incident).toBe(inc);
          }
          inc = out.incident;
          checkInvariants(inc);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent: repeating a command that changed something changes nothing and names who did it first', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.constantFrom(...people), (steps, second) => {
        let inc = fresh();
        let now = T0;
        for (const { cmd, actor, advance } of steps) {
          now += advance;
          let out;
          try {
            out = decide(inc, cmd, actor, now);
          } catch {
            continue;
          }
          if (out.changed && cmd.type !== 'snooze_end') {
            // Someone else sends the same command at the same moment (a double click, two responders).
            const again = decide(out.incident, cmd, second, now);
            expect(again.changed).toBe(false);
            if (!again.changed) {
              expect(again.by).toEqual({ id: actor.id, name: actor.name, at: now });
              expect(again.message).toContain(`by ${actor.name} at `);
            }
          }
          inc = out.incident;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('ends a snooze only once it is due, and then back to triggered without an owner', () => {
    const alice = people[0];
    let inc = decide(fresh(), { type: 'ack' }, alice, T0).incident;
    inc = decide(inc, { type: 'snooze', durationMs: 30 * 60_000 }, alice, T0).incident;
    expect(decide(inc, { type: 'snooze_end' }, people[2], T0 + 29 * 60_000).changed).toBe(false);
    const out = decide(inc, { type: 'snooze_end' }, people[2], T0 + 30 * 60_000);
    expect(out.changed).toBe(true);
    expect(out.incident).toMatchObject({ status: 'triggered', ackedBy: null, snoozedUntil: null });
  });

  it('says who acknowledged first', () => {
    const inc = decide(fresh(), { type: 'ack' }, people[0], T0 + 2 * 60_000).incident;
    const out = decide(inc, { type: 'ack' }, people[1], T0 + 5 * 60_000);
    expect(out).toMatchObject({ changed: false, by: { name: 'Alice', at: T0 + 120_000 } });
    expect(out.message).toBe('#42 is already acknowledged by Alice at 10:02 UTC');
  });

  it('refuses transitions that make no sense, with a sentence', () => {
    expect(() => decide(fresh(), { type: 'unack' }, people[0], T0)).toThrow('#42 is not acknowledged');
    const resolved = decide(fresh(), { type: 'resolve' }, people[0], T0).incident;
    expect(() => decide(resolved, { type: 'snooze', durationMs: 60_000 }, people[0], T0)).toThrow('cannot be snoozed');
    expect(() => decide(resolved, { type: 'ack' }, people[0], T0)).toThrow('reopen it before acknowledging');
    expect(() => decide(fresh(), { type: 'reopen', groupFree: true }, people[0], T0)).toThrow('only a resolved incident can be reopened');
  });
});
