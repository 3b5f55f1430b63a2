// Every template × state × language, rendered with a fixed clock and zone, against committed
// snapshots (test/render/__snapshots__). A change to a card shows up as a reviewable diff.
import { describe, expect, it } from 'vitest';
import {
  renderHelpCard,
  renderIncidentCard,
  renderIncidentListCard,
  renderLinkCard,
  renderStormCard,
  renderSubscriptionCard,
  renderWelcomeCard,
  validateCard,
  type Card,
} from '../../src/render/index.ts';
import { BASE_OPTS, incident, LANGS, MIN, NOW, STATES } from './fixtures.ts';

function ok(card: Card): Card {
  expect(validateCard(card)).toMatchObject({ ok: true, errors: [] });
  return card;
}

describe.each(LANGS)('cards in %s', (lang) => {
  const opts = { ...BASE_OPTS, lang };

  it.each(Object.keys(STATES))('incident: %s', (state) => {
    expect(ok(renderIncidentCard(STATES[state], opts))).toMatchSnapshot();
  });

  it('help', () => {
    expect(ok(renderHelpCard(opts))).toMatchSnapshot();
  });

  it('incident list (group, mine, empty, more)', () => {
    const items = [STATES['triggered-critical'], { ...STATES.acknowledged, number: 43, severity: 'warning' as const }];
    expect(ok(renderIncidentListCard(items, { ...opts, scope: 'group' }))).toMatchSnapshot('group');
    expect(ok(renderIncidentListCard(items, { ...opts, scope: 'mine' }))).toMatchSnapshot('mine');
    expect(ok(renderIncidentListCard([], { ...opts, scope: 'group' }))).toMatchSnapshot('empty group');
    expect(ok(renderIncidentListCard([], { ...opts, scope: 'mine' }))).toMatchSnapshot('empty mine');
    const many = Array.from({ length: 23 }, (_, i) => incident({ number: 100 + i, webUrl: `http://localhost:3000/h5/incidents/${100 + i}` }));
    expect(ok(renderIncidentListCard(many, { ...opts, scope: 'group' }))).toMatchSnapshot('more than fit');
  });

  it('link', () => {
    expect(ok(renderLinkCard({ linkUrl: 'http://localhost:3000/h5?link=1' }, opts))).toMatchSnapshot('plain');
    expect(ok(renderLinkCard({ linkUrl: 'http://localhost:3000/h5', pendingAction: 'ack 42' }, opts))).toMatchSnapshot('pending');
  });

  it('welcome', () => {
    expect(ok(renderWelcomeCard({ chatName: 'SRE on-call', sources: ['prometheus', 'grafana'] }, opts))).toMatchSnapshot('sources');
    expect(ok(renderWelcomeCard({ chatName: 'SRE on-call', sources: [] }, opts))).toMatchSnapshot('no sources');
  });

  it('subscription', () => {
    const subscriptions: { source: string; minSeverity: string; labels: Record<string, string> }[] = [
      { source: 'prometheus', minSeverity: 'warning', labels: { team: 'storage' } },
      { source: 'grafana', minSeverity: 'critical', labels: {} },
    ];
    expect(ok(renderSubscriptionCard({ chatName: 'SRE on-call', subscriptions }, opts))).toMatchSnapshot('list');
    expect(
      ok(renderSubscriptionCard({ chatName: 'SRE on-call', subscriptions, changed: 'Subscribed to prometheus (warning and above)' }, opts)),
    ).toMatchSnapshot('changed');
    expect(ok(renderSubscriptionCard({ chatName: 'SRE on-call', subscriptions: [] }, opts))).toMatchSnapshot('none');
  });

  it('storm', () => {
    const p = { source: 'prometheus', chatName: 'SRE on-call', collapsed: 37, waiting: 12, since: NOW - MIN };
    expect(ok(renderStormCard({ ...p, bySeverity: { critical: 3, warning: 30, info: 4 } }, opts))).toMatchSnapshot('critical');
    expect(ok(renderStormCard({ ...p, bySeverity: { warning: 37 } }, opts))).toMatchSnapshot('warning');
  });
});

describe('time zone', () => {
  it('shows absolute times in the configured zone, and falls back to UTC for an unknown one', () => {
    const shanghai = JSON.stringify(renderIncidentCard(STATES['triggered-critical'], { ...BASE_OPTS, timeZone: 'Asia/Shanghai', lang: 'en_us' }));
    expect(shanghai).toContain('2026-03-01 18:02 GMT+8');
    const bogus = JSON.stringify(renderIncidentCard(STATES['triggered-critical'], { ...BASE_OPTS, timeZone: 'Mars/Olympus', lang: 'en_us' }));
    expect(bogus).toContain('2026-03-01 10:02 UTC');
  });
});

describe('empty names', () => {
  it('leaves out the subtitle rather than sending an empty text', () => {
    const card = renderWelcomeCard({ chatName: '', sources: [] }, BASE_OPTS);
    expect((card.header as Record<string, unknown>).subtitle).toBeUndefined();
    expect(validateCard(card).ok).toBe(true);
  });
});
