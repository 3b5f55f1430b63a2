import { describe, expect, it } from 'vitest';
import { detectLang, normalizeDuration, parseCommand, parseIncidentRef } from '../../src/bot/parse.ts';

const ok = (text: string) => {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`"${text}" did not parse: ${JSON.stringify(r)}`);
  return r;
};

describe('parseCommand: every command of README "In chat" in both languages', () => {
  it.each([
    ['help', { verb: 'help' }, 'en'],
    ['帮助', { verb: 'help' }, 'zh'],
    ['list', { verb: 'list' }, 'en'],
    ['列表', { verb: 'list' }, 'zh'],
    ['ack 42', { verb: 'ack', incident: 42 }, 'en'],
    ['ack #42', { verb: 'ack', incident: 42 }, 'en'],
    ['认领 42', { verb: 'ack', incident: 42 }, 'zh'],
    ['认领#42', { verb: 'ack', incident: 42 }, 'zh'],
    ['认领42', { verb: 'ack', incident: 42 }, 'zh'],
    ['ack 42 30m', { verb: 'ack', incident: 42, duration: '30m' }, 'en'],
    ['认领 42 30分钟', { verb: 'ack', incident: 42, duration: '30m' }, 'zh'],
    ['unack 7', { verb: 'unack', incident: 7 }, 'en'],
    ['取消认领 7', { verb: 'unack', incident: 7 }, 'zh'],
    ['snooze 42 30m', { verb: 'snooze', incident: 42, duration: '30m' }, 'en'],
    ['snooze 2h #42', { verb: 'snooze', incident: 42, duration: '2h' }, 'en'],
    ['snooze 42 1h30m', { verb: 'snooze', incident: 42, duration: '1h30m' }, 'en'],
    ['snooze 42 30 min', { verb: 'snooze', incident: 42, duration: '30m' }, 'en'],
    ['暂缓 42 30m', { verb: 'snooze', incident: 42, duration: '30m' }, 'zh'],
    ['暂缓 42 2小时', { verb: 'snooze', incident: 42, duration: '2h' }, 'zh'],
    ['暂缓 #42 30 分钟', { verb: 'snooze', incident: 42, duration: '30m' }, 'zh'],
    ['resolve 42', { verb: 'resolve', incident: 42 }, 'en'],
    ['关闭 42', { verb: 'resolve', incident: 42 }, 'zh'],
    ['解决 #42', { verb: 'resolve', incident: 42 }, 'zh'],
    ['reopen 42', { verb: 'reopen', incident: 42 }, 'en'],
    ['room 42', { verb: 'room', incident: 42 }, 'en'],
    ['room', { verb: 'room', incident: null }, 'en'],
    ['作战室 #42', { verb: 'room', incident: 42 }, 'zh'],
    ['作战室42', { verb: 'room', incident: 42 }, 'zh'],
    ['重新打开 42', { verb: 'reopen', incident: 42 }, 'zh'],
    ['maintain payments 2h', { verb: 'maintain', source: 'payments', labels: [], duration: '2h' }, 'en'],
    ['maintain payments env=Prod service=~api-.* 1h30m', { verb: 'maintain', source: 'payments', labels: ['env=Prod', 'service=~api-.*'], duration: '1h30m' }, 'en'],
    ['维护 payments 2小时', { verb: 'maintain', source: 'payments', labels: [], duration: '2h' }, 'zh'],
    ['unmaintain payments', { verb: 'unmaintain', source: 'payments' }, 'en'],
    ['结束维护 payments', { verb: 'unmaintain', source: 'payments' }, 'zh'],
    ['subscribe prometheus', { verb: 'subscribe', source: 'prometheus', severity: null }, 'en'],
    ['subscribe prometheus warning', { verb: 'subscribe', source: 'prometheus', severity: 'warning' }, 'en'],
    ['订阅 prometheus critical', { verb: 'subscribe', source: 'prometheus', severity: 'critical' }, 'zh'],
    ['订阅 prometheus 严重', { verb: 'subscribe', source: 'prometheus', severity: 'critical' }, 'zh'],
    ['unsubscribe prometheus', { verb: 'unsubscribe', source: 'prometheus' }, 'en'],
    ['退订 prometheus', { verb: 'unsubscribe', source: 'prometheus' }, 'zh'],
    ['subscriptions', { verb: 'subscriptions' }, 'en'],
    ['订阅列表', { verb: 'subscriptions' }, 'zh'],
    ['link', { verb: 'link' }, 'en'],
    ['关联', { verb: 'link' }, 'zh'],
    ['whoami', { verb: 'whoami' }, 'en'],
    ['我是谁', { verb: 'whoami' }, 'zh'],
  ])('%s', (text, command, lang) => {
    const r = ok(text);
    expect(r.command).toEqual(command);
    expect(r.lang).toBe(lang);
  });

  it('needs no number when replying to a card', () => {
    expect(ok('ack').command).toEqual({ verb: 'ack', incident: null });
    expect(ok('认领').command).toEqual({ verb: 'ack', incident: null });
    expect(ok('snooze 30m').command).toEqual({ verb: 'snooze', incident: null, duration: '30m' });
    expect(ok('resolve').command).toEqual({ verb: 'resolve', incident: null });
  });

  it('is case-insensitive and tolerates a slash and extra spaces', () => {
    expect(ok('ACK 42').command).toEqual({ verb: 'ack', incident: 42 });
    expect(ok('/ack   42 ').command).toEqual({ verb: 'ack', incident: 42 });
    expect(ok('  Help').command).toEqual({ verb: 'help' });
  });

  it('tells subscriptions from subscribe, and unack from ack', () => {
    expect(ok('subscriptions').command.verb).toBe('subscriptions');
    expect(ok('订阅列表').command.verb).toBe('subscriptions');
    expect(ok('取消认领 3').command.verb).toBe('unack');
  });

  it('names what is wrong with a known verb', () => {
    expect(parseCommand('ack abc')).toMatchObject({ ok: false, verb: 'ack', problem: 'bad_incident', detail: 'abc' });
    expect(parseCommand('ack 42 43')).toMatchObject({ ok: false, verb: 'ack', problem: 'extra' });
    expect(parseCommand('snooze 42')).toMatchObject({ ok: false, verb: 'snooze', problem: 'missing_duration' });
    expect(parseCommand('snooze 42 forever')).toMatchObject({ ok: false, verb: 'snooze', problem: 'bad_duration', detail: 'forever' });
    expect(parseCommand('snooze abc 30m')).toMatchObject({ ok: false, verb: 'snooze', problem: 'bad_incident' });
    expect(parseCommand('subscribe')).toMatchObject({ ok: false, verb: 'subscribe', problem: 'missing_source' });
    expect(parseCommand('subscribe db loud')).toMatchObject({ ok: false, verb: 'subscribe', problem: 'bad_severity' });
    expect(parseCommand('退订')).toMatchObject({ ok: false, verb: 'unsubscribe', problem: 'missing_source', lang: 'zh' });
  });

  it('marks anything else unknown (the caller answers with help), in the writer’s language', () => {
    expect(parseCommand('')).toMatchObject({ ok: false, verb: null, problem: 'unknown', lang: 'en' });
    expect(parseCommand('hello there')).toMatchObject({ ok: false, verb: null, lang: 'en' });
    expect(parseCommand('你好')).toMatchObject({ ok: false, verb: null, lang: 'zh' });
    expect(parseCommand('acknowledged')).toMatchObject({ ok: false, verb: null });
    expect(parseCommand('listen')).toMatchObject({ ok: false, verb: null });
  });
});

describe('parts', () => {
  it('reads incident references', () => {
    expect(parseIncidentRef('42')).toBe(42);
    expect(parseIncidentRef('#42')).toBe(42);
    expect(parseIncidentRef('＃42')).toBe(42);
    expect(parseIncidentRef('INC-42')).toBe(42);
    expect(parseIncidentRef('0')).toBeNull();
    expect(parseIncidentRef('4x')).toBeNull();
  });

  it('normalises durations', () => {
    expect(normalizeDuration('30m')).toBe('30m');
    expect(normalizeDuration('30分钟')).toBe('30m');
    expect(normalizeDuration('2小时')).toBe('2h');
    expect(normalizeDuration('1天')).toBe('1d');
    expect(normalizeDuration('2 hours')).toBe('2h');
    expect(normalizeDuration('soon')).toBeNull();
    expect(normalizeDuration('30')).toBeNull();
  });

  it('detects Chinese', () => {
    expect(detectLang('ack 42')).toBe('en');
    expect(detectLang('认领 42')).toBe('zh');
  });
});

describe('maintain: problems are named', () => {
  it.each([
    ['maintain', 'missing_source'],
    ['maintain payments', 'missing_duration'],
    ['maintain payments soon', 'bad_duration'],
    ['maintain payments 2h later', 'extra'],
    ['unmaintain', 'missing_source'],
  ])('%s → %s', (text, problem) => {
    const r = parseCommand(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toBe(problem);
  });
});
