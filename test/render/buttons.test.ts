// Which buttons each state offers, and that every button value survives the trip through
// parseCardButtonValue (what the bot does with `event.action.value`).
import { describe, expect, it } from 'vitest';
import {
  cardButtonValue,
  parseCardButtonValue,
  renderIncidentCard,
  SNOOZE_PRESETS,
} from '../../src/render/index.ts';
import { BASE_OPTS, buttonLabels, callbackValues, collect, STATES } from './fixtures.ts';

const opts = { ...BASE_OPTS, lang: 'both' as const };
const snoozes = SNOOZE_PRESETS.map((d) => ({ v: 1, op: 'snooze', incident: 42, duration: d }));
// Issue 25: a triggered card offers the acknowledgement's time boxes in their own panel.
const ackBoxes = ['15m', '30m', '1h', '4h', 'none'].map((d) => ({ v: 1, op: 'ack', incident: 42, duration: d }));

describe('incident card buttons', () => {
  it.each([
    ['triggered-critical', [{ op: 'ack' }, { op: 'escalate' }, { op: 'resolve' }, { op: 'room' }], true],
    ['acknowledged', [{ op: 'unack' }, { op: 'resolve' }, { op: 'room' }], true],
    ['snoozed-triggered', [{ op: 'ack' }, { op: 'resolve' }, { op: 'room' }], true],
    ['snoozed-acknowledged', [{ op: 'unack' }, { op: 'resolve' }, { op: 'room' }], true],
    ['resolved-by-person', [{ op: 'reopen' }], false],
    ['resolved-automatically', [{ op: 'reopen' }], false],
  ] as const)('%s offers %j (snooze menu: %s)', (state, main, snooze) => {
    const card = renderIncidentCard(STATES[state], opts);
    const boxes = STATES[state].status === 'triggered';
    const expected = [...main.map((m) => ({ v: 1, op: m.op, incident: 42 })), ...(boxes ? ackBoxes : []), ...(snooze ? snoozes : [])];
    expect(callbackValues(card)).toEqual(expected);
    expect(collect(card, (n) => n.tag === 'collapsible_panel')).toHaveLength((snooze ? 1 : 0) + (boxes ? 1 : 0));
  });

  it('every callback value is an object that round-trips through parseCardButtonValue', () => {
    for (const view of Object.values(STATES)) {
      for (const value of callbackValues(renderIncidentCard(view, opts))) {
        expect(typeof value).toBe('object');
        expect(parseCardButtonValue(JSON.parse(JSON.stringify(value)))).toEqual(value);
      }
    }
  });

  it('an open war room shows its name and link on the card and its button opens it; none is offered once resolved', () => {
    const warRoom = { name: '#42 Checkout latency [above] 2 s', url: 'https://applink.feishu.cn/client/chat/open?openChatId=oc_1' };
    const card = renderIncidentCard({ ...STATES['acknowledged'], warRoom }, { ...BASE_OPTS, lang: 'en_us' });
    expect(callbackValues(card).map((v) => (v as { op: string }).op)).not.toContain('room');
    const urls = collect(card, (n) => n.type === 'open_url').map((b) => b.default_url);
    expect(urls).toContain(warRoom.url);
    const line = collect(card, (n) => n.tag === 'markdown' && String(n.content).startsWith('**War room:**'));
    expect(line).toHaveLength(1);
    expect(line[0].content).toContain(`](${warRoom.url})`);
    // The name is people's text: escaped, so its brackets cannot end the link early.
    expect(line[0].content).not.toContain('[above]');
    const resolved = renderIncidentCard(STATES['resolved-by-person'], opts);
    expect(callbackValues(resolved).map((v) => (v as { op: string }).op)).not.toContain('room');
  });

  it('links open the web app and the runbook, and drop non-http links', () => {
    const view = {
      ...STATES['triggered-critical'],
      links: [
        { title: 'Runbook', url: 'https://wiki.example.com/rb' },
        { title: 'evil', url: 'javascript:alert(1)' },
        { title: 'lark', url: 'lark://applink' },
      ],
    };
    const card = renderIncidentCard(view, opts);
    const urls = collect(card, (n) => n.type === 'open_url').map((b) => b.default_url);
    expect(urls).toEqual(['http://localhost:3000/h5/incidents/42', 'https://wiki.example.com/rb']);
    expect(buttonLabels(card)).toContain('Open in Hark');
  });

  it('a card without a usable web URL has no "Open in Hark" button', () => {
    const card = renderIncidentCard({ ...STATES.acknowledged, webUrl: 'not a url' }, opts);
    expect(buttonLabels(card)).not.toContain('Open in Hark');
  });
});

describe('parseCardButtonValue', () => {
  it('accepts the documented shapes', () => {
    expect(parseCardButtonValue({ v: 1, op: 'ack', incident: 42 })).toEqual({ v: 1, op: 'ack', incident: 42 });
    expect(parseCardButtonValue({ v: 1, op: 'snooze', incident: 42, duration: '30m' })).toEqual(snoozes[0]);
    expect(parseCardButtonValue({ v: 1, op: 'ack', incident: '#42' })).toEqual({ v: 1, op: 'ack', incident: 42 });
    expect(parseCardButtonValue({ v: 1, op: 'list', scope: 'mine' })).toEqual({ v: 1, op: 'list', scope: 'mine' });
    expect(parseCardButtonValue({ v: 1, op: 'help', extra: 'ignored' })).toEqual({ v: 1, op: 'help' });
  });

  it('takes the duration from an overflow/select option when the value has none', () => {
    expect(parseCardButtonValue({ v: 1, op: 'snooze', incident: 42 }, '2h')).toEqual({ ...snoozes[1] });
    expect(parseCardButtonValue({ v: 1, op: 'snooze', incident: 42, duration: '4h' }, '2h')?.duration).toBe('4h');
  });

  it.each([
    ['unknown version', { v: 2, op: 'ack', incident: 42 }],
    ['no version', { op: 'ack', incident: 42 }],
    ['unknown op', { v: 1, op: 'delete', incident: 42 }],
    ['missing incident', { v: 1, op: 'resolve' }],
    ['bad incident', { v: 1, op: 'ack', incident: -1 }],
    ['fractional incident', { v: 1, op: 'ack', incident: 4.2 }],
    ['snooze without duration', { v: 1, op: 'snooze', incident: 42 }],
    ['bad duration', { v: 1, op: 'snooze', incident: 42, duration: '30 minutes' }],
    ['zero duration', { v: 1, op: 'snooze', incident: 42, duration: '0m' }],
    ['a string', '{"v":1,"op":"ack","incident":42}'],
    ['null', null],
    ['an array', [1]],
  ])('rejects %s', (_name, value) => {
    expect(parseCardButtonValue(value)).toBeNull();
  });

  it('cardButtonValue builds what parseCardButtonValue reads', () => {
    const v = cardButtonValue('snooze', 7, { duration: '12h' });
    expect(v).toEqual({ v: 1, op: 'snooze', incident: 7, duration: '12h' });
    expect(parseCardButtonValue(v)).toEqual(v);
    expect(cardButtonValue('list', null, { scope: 'group' })).toEqual({ v: 1, op: 'list', scope: 'group' });
  });
});
