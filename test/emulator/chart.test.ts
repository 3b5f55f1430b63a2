import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, sdkClient, seedGroup, testEmulator } from './helpers.ts';

afterEach(cleanup);

const chartCard = (chart: Record<string, unknown>) =>
  JSON.stringify({ schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: 'week' }, { tag: 'chart', ...chart }] } });
const line = { type: 'line', data: { values: [{ time: '2:00', value: 8 }, { time: '4:00', value: 9 }] }, xField: 'time', yField: 'value' };

// The card `chart` element (docs/lark-notes.md "Card charts") through the real SDK client: a
// documented spec is accepted, a bad one refused with 200550 naming the element's path.
describe('card chart element', () => {
  it('accepts documented charts and refuses bad specs with 200550', async () => {
    const emu = await testEmulator();
    const { chatId } = await seedGroup(emu);
    const client = sdkClient(emu);
    const send = (content: string) =>
      client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'interactive', content } })
        .then((r) => ({ status: 200, code: r.code, msg: '' }), (e) => ({ status: e.response.status, code: e.response.data.code, msg: String(e.response.data.msg) }));

    expect(await send(chartCard({ element_id: 'week_chart', aspect_ratio: '16:9', color_theme: 'brand', chart_spec: line }))).toMatchObject({ code: 0 });
    const stacked = { type: 'bar', stack: true, data: { values: [{ day: 'Mon', sev: 'critical', n: 2 }] }, xField: 'day', yField: 'n', seriesField: 'sev' };
    expect(await send(chartCard({ chart_spec: { type: 'common', data: [{ id: 'a', values: [] }], series: [stacked, line] } }))).toMatchObject({ code: 0 });

    const refused = await send(chartCard({ chart_spec: { ...line, type: 'sparkline' } }));
    expect(refused).toMatchObject({ status: 400, code: 200550 });
    expect(refused.msg).toContain('ErrPath: ROOT -> elements -> [1](tag: chart); ErrMsg: chart spec is invalid; ErrorValue: type "sparkline"');
    expect(await send(chartCard({}))).toMatchObject({ code: 200550, msg: expect.stringContaining('chart_spec is required') });
    expect(await send(chartCard({ chart_spec: { type: 'bar', data: { values: [] }, xField: 'x' } }))).toMatchObject({ code: 200550, msg: expect.stringContaining('bar needs yField') });
    expect(await send(chartCard({ chart_spec: { ...line, data: 'x' } }))).toMatchObject({ code: 200550, msg: expect.stringContaining('data needs values') });
    expect(await send(chartCard({ aspect_ratio: '3:1', chart_spec: line }))).toMatchObject({ code: 200550, msg: expect.stringContaining('aspect_ratio "3:1"') });
    expect(await send(chartCard({ element_id: '1chart', chart_spec: line }))).toMatchObject({ code: 200550 });
    // The 30 KB card limit holds for charts too.
    const big = { ...line, data: { values: Array.from({ length: 2000 }, (_, i) => ({ time: `t${i}`, value: i })) } };
    expect(await send(chartCard({ chart_spec: big }))).toMatchObject({ status: 400, code: 230099, msg: expect.stringContaining('30 KB') });
  });
});
