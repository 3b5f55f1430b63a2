import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseSnoozeDuration } from '../../src/incident/duration.ts';
import { parseSeverity, severityOrDefault, worstSeverity } from '../../src/incident/severity.ts';
import { describeAlertChanges, mergeAlerts } from '../../src/incident/merge.ts';
import { normalizePayload } from '../../src/ingest/normalize.ts';
import { fixture } from '../http/fixtures.ts';

const NOW = Date.parse('2026-05-01T10:00:00Z');

describe('severity', () => {
  it.each([
    ['critical', 'critical'], ['page', 'critical'], ['P1', 'critical'], ['error', 'critical'], ['HIGH', 'critical'],
    ['warning', 'warning'], ['warn', 'warning'], ['P2', 'warning'], ['p3', 'warning'],
    ['info', 'info'], ['low', 'info'], ['none', 'info'], [' Info ', 'info'],
  ])('%s → %s', (spelling, severity) => expect(parseSeverity(spelling)).toBe(severity));

  it('falls back to warning for unknown or missing values', () => {
    expect(parseSeverity('apocalyptic')).toBeNull();
    expect(severityOrDefault('apocalyptic')).toBe('warning');
    expect(severityOrDefault(undefined)).toBe('warning');
  });

  it('takes the worst', () => {
    expect(worstSeverity(['info', 'critical', 'warning'])).toBe('critical');
    expect(worstSeverity([])).toBeNull();
  });
});

describe('durations', () => {
  it.each([['30m', 1_800_000], ['2h', 7_200_000], ['1d', 86_400_000], ['1h30m', 5_400_000], ['90s', 90_000], ['1w', 604_800_000]])(
    '%s = %i ms',
    (text, ms) => expect(parseDuration(text)).toBe(ms),
  );

  it.each(['', 'soon', '30', 'm30', '30m1h', '1h1h', '-5m', '1.5h'])('rejects %j', (text) => expect(parseDuration(text)).toBeNull());

  it('bounds snoozes to 1 minute … 7 days with a sentence', () => {
    expect(parseSnoozeDuration('1m')).toBe(60_000);
    expect(parseSnoozeDuration('7d')).toBe(604_800_000);
    expect(() => parseSnoozeDuration('59s')).toThrow('duration: 59s is out of range; snooze for between 1m and 7d');
    expect(() => parseSnoozeDuration('7d1s')).toThrow('out of range');
    expect(() => parseSnoozeDuration('later')).toThrow('duration: "later" is not a duration');
    expect(() => parseSnoozeDuration(undefined)).toThrow('duration: required');
  });

  it('formats back', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(86_400_000 + 60_000)).toBe('1d1m');
  });
});

describe('normalisers', () => {
  it('reads Alertmanager v4: zero endsAt is null, nanosecond startsAt, fingerprints, common facts', () => {
    const b = normalizePayload('alertmanager', fixture('alertmanager/firing.json'), NOW);
    expect(b.groupKey).toBe('{}/{severity=~"warning|critical"}:{alertname="NodeFilesystemAlmostFull"}');
    expect(b.title).toBe('NodeFilesystemAlmostFull');
    expect(b.alerts.map((a) => [a.fingerprint, a.severity, a.endsAt])).toEqual([
      ['3d1f2bb07c2a9e41', 'critical', null],
      ['8a0c55e1f4b7d9a2', 'warning', null],
    ]);
    expect(b.alerts[0].startsAt).toBe(Date.parse('2026-05-01T07:52:26.739Z'));
    expect(b.alerts[0].title).toBe('Filesystem has less than 5% space left.');
    const resolved = normalizePayload('alertmanager', fixture('alertmanager/resolved.json'), NOW);
    expect(resolved.alerts[0].endsAt).toBe(Date.parse('2026-05-01T08:14:41.553Z'));
  });

  it('derives a fingerprint from labels when the sender has none, and keeps the last of duplicates', () => {
    const p = fixture('alertmanager/firing.json');
    delete p.alerts[0].fingerprint;
    p.alerts.push({ ...p.alerts[1], status: 'resolved' });
    const b = normalizePayload('alertmanager', p, NOW);
    expect(b.alerts).toHaveLength(2);
    expect(b.alerts[0].fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(b.alerts[1].status).toBe('resolved');
  });

  it('never keeps a non-http link', () => {
    const b = normalizePayload('generic', { title: 't', links: ['javascript:alert(1)'] }, NOW);
    expect(b.links).toEqual([]);
  });
});

describe('merging alerts into an incident', () => {
  const batch = normalizePayload('alertmanager', fixture('alertmanager/firing.json'), NOW);
  const first = mergeAlerts(1, new Map(), batch.alerts, NOW);
  const stored = new Map(first.all.map((a) => [a.fingerprint, a]));

  it('an exact resend writes nothing', () => {
    const again = mergeAlerts(1, stored, batch.alerts, NOW + 60_000);
    expect(again).toMatchObject({ writes: [], started: [], ended: [], firingSeverity: 'critical' });
  });

  it('a changed annotation refreshes the alert without being an event', () => {
    const changed = batch.alerts.map((a, i) => (i === 0 ? { ...a, annotations: { ...a.annotations, description: '2.9% left' } } : a));
    const m = mergeAlerts(1, stored, changed, NOW);
    expect(m.writes).toHaveLength(1);
    expect(m.started).toEqual([]);
  });

  it('describes changes in one sentence', () => {
    const mixed = normalizePayload('alertmanager', fixture('alertmanager/mixed.json'), NOW);
    const m = mergeAlerts(1, stored, mixed.alerts, NOW);
    expect(m.ended.map((a) => a.fingerprint)).toEqual(['3d1f2bb07c2a9e41']);
    expect(m.firingSeverity).toBe('warning');
    expect(describeAlertChanges(first.started, m.ended)).toBe(
      '2 alerts firing: Filesystem has less than 5% space left., Filesystem has less than 10% space left.; 1 resolved: Filesystem has less than 5% space left.',
    );
  });
});
