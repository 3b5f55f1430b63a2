import { describe, expect, it } from 'vitest';
import { renderHandoffCard, renderOncallCard, validateCard } from '../../src/render/index.ts';

// The two schedule cards as Lark would receive them: valid JSON 2.0, both languages, names escaped.
const elements = (card: any): any[] => card.body.elements;
const texts = (card: any) => elements(card).map((e) => e.content ?? e.text?.content ?? '');

describe('schedule cards', () => {
  const until = Date.parse('2026-12-14T01:00:00Z'); // Monday 09:00 in Shanghai

  it('oncall: per schedule who, until when on its own wall clock, who next, and Take over', () => {
    const card = renderOncallCard(
      { schedules: [{ name: 'primary', timeZone: 'Asia/Shanghai', members: ['Alice <at id=all></at>'], until, next: ['Bob'] }] },
      { lang: 'zh_cn' },
    );
    expect(validateCard(card)).toMatchObject({ ok: true });
    const t = texts(card);
    expect(t).toContain('当前值班：**Alice &#60;at id=all&#62;&#60;&#47;at&#62;**');
    expect(t).toContain('直到 12月14日 周一 09:00，之后：Bob');
    const en = texts(renderOncallCard({ schedules: [{ name: 'primary', timeZone: 'Asia/Shanghai', members: [], until, next: [] }] }, { lang: 'en_us' }));
    expect(en).toContain('Nobody is on call now');
    expect(en).toContain('Until Mon 14 Dec 09:00, then: nobody');
    expect(elements(card).find((e) => e.tag === 'button').behaviors[0].value).toEqual({ v: 1, op: 'take_over', schedule: 'primary' });
  });

  it('handoff: the outgoing person sees the incidents they still hold, one line each, and no Take over', () => {
    const card = renderHandoffCard(
      {
        schedule: 'primary',
        timeZone: 'UTC',
        audience: 'outgoing',
        members: ['Bob'],
        until,
        next: ['Carol'],
        previous: ['Alice'],
        incidents: [
          { number: 42, title: 'Disk full', url: 'http://hark.test/h5/incidents/42' },
          { number: 43, title: 'API slow', url: 'http://hark.test/h5/incidents/43' },
        ],
      },
      { lang: 'en_us' },
    );
    expect(validateCard(card)).toMatchObject({ ok: true });
    const t = texts(card);
    expect(t[0]).toBe('Your shift on **primary** has ended. Thank you!');
    expect(t).toContain('[#42](http://hark.test/h5/incidents/42) Disk full');
    expect(t).toContain('[#43](http://hark.test/h5/incidents/43) API slow');
    expect(elements(card).some((e) => e.tag === 'button')).toBe(false);
    const chat = renderHandoffCard({ schedule: 'primary', timeZone: 'UTC', audience: 'chat', members: ['Bob'], until, next: ['Carol'], previous: ['Alice'] }, { lang: 'en_us' });
    expect(texts(chat)).toEqual(['Now on call: **Bob**', 'Until Mon 14 Dec 01:00; next: Carol', 'Handed over by Alice', 'Take over']);
  });
});
