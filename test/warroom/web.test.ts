// The web app's incident page opens the war room and then links to it.
import { afterEach, describe, expect, it } from 'vitest';
import { Client, oauthLogin, type WebRig } from '../web/harness.ts';
import { waitFor } from '../helpers/wait.ts';
import { startRoomRig, type RoomRig } from './helpers.ts';

let rig: RoomRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('war room in the web app', () => {
  it('a responder opens the room from the incident page, which then links to it', async () => {
    rig = await startRoomRig({ web: true });
    const r = rig;
    const n = await r.fire('Checkout latency above 2 s');
    const c = new Client();
    await oauthLogin({ emulator: r.emulator, url: r.hark.url } as WebRig, c, r.people.Alice, `/h5/incidents/${n}`);
    const page = await c.request(`${r.hark.url}/h5/incidents/${n}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`action="/h5/incidents/${n}/room"`);
    const res = await c.request(`${r.hark.url}/h5/incidents/${n}/room`, { form: { _csrf: Client.csrfOf(page.text) } });
    expect(res.status).toBe(302);
    expect(res.location).toBe(`/h5/incidents/${n}`);
    const after = await c.request(`${r.hark.url}/h5/incidents/${n}`);
    const link = /<a id="war-room" href="([^"]+)">([^<]+)<\/a>/.exec(after.text);
    expect(link?.[2]).toBe(`#${n} Checkout latency above 2 s`);
    expect(after.text).not.toContain(`action="/h5/incidents/${n}/room"`);
    const chatId = new URL(link![1]).searchParams.get('chat')!;
    await waitFor(async () => (await r.chat(chatId)).members.includes(r.people.Alice), { message: 'Alice in the room' });
    expect((await r.timeline(n)).join('\n')).toContain('opened (asked by Alice)');
  });
});
