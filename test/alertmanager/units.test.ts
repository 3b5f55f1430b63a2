import { describe, expect, it } from 'vitest';
import { heartbeatBatch, splitWatchdog } from '../../src/alertmanager/heartbeat-alert.ts';
import { matchersFor } from '../../src/alertmanager/matchers.ts';
import { parseSilenceDuration } from '../../src/alertmanager/silences.ts';
import { parseCommand } from '../../src/bot/parse.ts';
import { normalizePayload } from '../../src/ingest/normalize.ts';

describe('silence matchers', () => {
  it('are the labels every alert shares, as sorted equality matchers', () => {
    const m = matchersFor(
      [
        { alertname: 'DiskFull', instance: 'db1', severity: 'critical', team: 'storage' },
        { alertname: 'DiskFull', instance: 'db2', severity: 'critical', team: 'storage' },
        { alertname: 'DiskFull', instance: 'db3', severity: 'warning', team: 'storage' },
      ],
      {},
    );
    expect(m).toEqual([
      { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
      { name: 'team', value: 'storage', isRegex: false, isEqual: true },
    ]);
  });

  it('fall back to the group labels when no alert is stored, and are empty (refused by the caller) when nothing is shared', () => {
    expect(matchersFor([], { alertname: 'X' })).toEqual([{ name: 'alertname', value: 'X', isRegex: false, isEqual: true }]);
    expect(matchersFor([{ a: '1' }, { b: '2' }], {})).toEqual([]);
  });
});

describe('silence durations', () => {
  it('accept 1m … 30d and say what is wrong otherwise', () => {
    expect(parseSilenceDuration('1h')).toBe(3_600_000);
    expect(parseSilenceDuration('24h')).toBe(86_400_000);
    expect(parseSilenceDuration('1h30m')).toBe(5_400_000);
    expect(() => parseSilenceDuration('31d')).toThrow('duration: 31d is out of range; silence for between 1m and 30d');
    expect(() => parseSilenceDuration('soon')).toThrow('duration: "soon" is not a duration; use e.g. "1h", "4h", "24h" or "2d"');
    expect(() => parseSilenceDuration('')).toThrow('duration: required, e.g. "1h", "4h", "24h" or "2d"');
  });
});

describe('silence commands', () => {
  it.each([
    ['silence 42 1h', { verb: 'silence', incident: 42, duration: '1h' }],
    ['silence #42 4 hours', { verb: 'silence', incident: 42, duration: '4h' }],
    ['静默 42 24小时', { verb: 'silence', incident: 42, duration: '24h' }],
    ['静默42 30分钟', { verb: 'silence', incident: 42, duration: '30m' }],
    ['silence 2h', { verb: 'silence', incident: null, duration: '2h' }],
    ['unsilence 42', { verb: 'unsilence', incident: 42 }],
    ['取消静默 #42', { verb: 'unsilence', incident: 42 }],
  ])('%s', (text, command) => {
    expect(parseCommand(text)).toMatchObject({ ok: true, command });
  });

  it('names what is missing', () => {
    expect(parseCommand('silence 42')).toMatchObject({ ok: false, verb: 'silence', problem: 'missing_duration' });
    expect(parseCommand('静默 42 永远')).toMatchObject({ ok: false, verb: 'silence', problem: 'bad_duration', lang: 'zh' });
  });
});

describe('Watchdog', () => {
  const payload = (alerts: { name: string; status: 'firing' | 'resolved' }[]) =>
    normalizePayload(
      'alertmanager',
      {
        version: '4',
        groupKey: 'g',
        status: 'firing',
        alerts: alerts.map((a) => ({ status: a.status, labels: { alertname: a.name }, startsAt: '2026-12-01T10:00:00Z', fingerprint: a.name + a.status })),
      },
      Date.now(),
    );

  it('a firing Watchdog is a ping and leaves the batch; other alerts stay', () => {
    const { rest, ping } = splitWatchdog(payload([{ name: 'Watchdog', status: 'firing' }, { name: 'DiskFull', status: 'firing' }]));
    expect(ping).toBe(true);
    expect(rest.alerts.map((a) => a.labels.alertname)).toEqual(['DiskFull']);
  });

  it('a resolved Watchdog is dropped but is no ping', () => {
    expect(splitWatchdog(payload([{ name: 'Watchdog', status: 'resolved' }]))).toMatchObject({ ping: false, rest: { alerts: [] } });
    expect(splitWatchdog(payload([{ name: 'DiskFull', status: 'firing' }])).ping).toBe(false);
  });

  it('the heartbeat incident is one critical alert named after the source and its timeout', () => {
    const b = heartbeatBatch('prom', 0.5, Date.UTC(2026, 11, 1, 10), 'firing', Date.UTC(2026, 11, 1, 10, 1));
    expect(b).toMatchObject({ groupKey: 'hark:heartbeat', title: 'No heartbeat from prom for 0.5 min' });
    expect(b.alerts).toMatchObject([{ status: 'firing', severity: 'critical', endsAt: null }]);
  });
});

describe('HARK_ALERTMANAGER_TIMEOUT_MS', () => {
  it('defaults to 2 s and stays under the click deadline', async () => {
    const { loadConfig } = await import('../../src/config.ts');
    expect(loadConfig({}).alertmanagerTimeoutMs).toBe(2000);
    expect(loadConfig({ HARK_ALERTMANAGER_TIMEOUT_MS: '500' }).alertmanagerTimeoutMs).toBe(500);
    expect(() => loadConfig({ HARK_ALERTMANAGER_TIMEOUT_MS: '5000' })).toThrow(
      'HARK_ALERTMANAGER_TIMEOUT_MS must be a number of milliseconds from 100 to 2000 (a card click must be answered within 3 s) (got "5000")',
    );
  });
});
