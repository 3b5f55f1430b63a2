import { describe, expect, test } from 'vitest';
import { chatsFor, isPage, priorityOf } from '../../src/delivery/dispatch.ts';
import { matchesLabels, parseMatchers } from '../../src/delivery/matchers.ts';
import type { Chat, Subscription } from '../../src/delivery/chats.ts';

describe('label matchers', () => {
  test('object form is exact; list form takes =, !=, =~, !~ with anchored regexes', () => {
    expect(parseMatchers({ team: 'pay' })).toEqual([{ name: 'team', op: '=', value: 'pay' }]);
    const m = parseMatchers(['env!=dev', 'service=~"api-.*"', 'region!~eu-.*']);
    expect(matchesLabels(m, { env: 'prod', service: 'api-gw', region: 'us-1' })).toBe(true);
    expect(matchesLabels(m, { env: 'dev', service: 'api-gw' })).toBe(false);
    expect(matchesLabels(m, { env: 'prod', service: 'xapi-gw' })).toBe(false);
    expect(matchesLabels(m, { env: 'prod', service: 'api-gw', region: 'eu-2' })).toBe(false);
    // A missing label is empty: env!=dev matches an alert without env.
    expect(matchesLabels(parseMatchers(['env!=dev']), {})).toBe(true);
  });

  test('bad input names the problem', () => {
    expect(() => parseMatchers(['team'])).toThrow(/name=value/);
    expect(() => parseMatchers(['svc=~('])).toThrow(/regular expression/);
    expect(() => parseMatchers('team=pay')).toThrow(/object/);
    expect(() => parseMatchers({ team: 3 })).toThrow(/labels.team/);
  });
});

describe('dispatch', () => {
  const chat = (id: string, status: Chat['status'] = 'active'): Chat => ({ chatId: id, name: id, status, createdAt: 0, updatedAt: 0 });
  const sub = (chatId: string, minSeverity: Subscription['minSeverity'], labels = parseMatchers(undefined)): Subscription => ({
    chatId, sourceId: 1, source: 's', minSeverity, labels, createdAt: 0,
  });
  test('active, same source, severity at least the minimum, labels match', () => {
    const candidates = [
      { chat: chat('a'), subscription: sub('a', 'info') },
      { chat: chat('b'), subscription: sub('b', 'critical') },
      { chat: chat('c', 'removed'), subscription: sub('c', 'info') },
      { chat: chat('d'), subscription: sub('d', 'info', parseMatchers({ team: 'pay' })) },
      { chat: chat('e'), subscription: { ...sub('e', 'info'), sourceId: 2 } },
    ];
    const ids = (sev: 'critical' | 'warning', labels: Record<string, string>) =>
      chatsFor({ sourceId: 1, severity: sev, labels }, candidates).map((t) => t.chatId);
    expect(ids('warning', { team: 'db' })).toEqual(['a']);
    expect(ids('critical', { team: 'pay' })).toEqual(['a', 'b', 'd']);
  });
  test('critical first; updates before new cards of the same severity', () => {
    expect(priorityOf('critical', 'patch')).toBeLessThan(priorityOf('critical', 'send'));
    expect(priorityOf('critical', 'send')).toBeLessThan(priorityOf('warning', 'patch'));
  });
  test('a page to a person goes before every group card and update, by severity', () => {
    expect(priorityOf('info', 'page')).toBeLessThan(priorityOf('critical', 'patch'));
    expect(priorityOf('critical', 'page')).toBeLessThan(priorityOf('warning', 'page'));
    expect(isPage(priorityOf('warning', 'page'))).toBe(true);
    expect(isPage(priorityOf('critical', 'send'))).toBe(false);
  });
});
