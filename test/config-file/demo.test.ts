import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDemo, type Demo } from '../../src/demo.ts';
import { waitFor } from '../helpers/wait.ts';

// `npm run demo` applies examples/hark.yaml: the seeded incident pages whoever the file's schedule
// has on call (level 1 of the file's ladder), and `@Hark oncall` in the group answers from that
// schedule out of the box.

async function control(demo: Demo, method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(demo.emulatorUrl + route, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.json();
}

const texts = async (demo: Demo, query: string): Promise<string[]> =>
  ((await control(demo, 'GET', `/__emulator/messages?${query}`)).items as unknown[]).map((m) => JSON.stringify(m));

describe('the demo applies the example configuration', () => {
  let demo: Demo | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    demo = dir = undefined;
  });

  it('teams and schedules from the file: the ladder pages the on-call person, and @Hark oncall answers', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-demo-'));
    demo = await runDemo({ EMULATOR_PORT: '0', HARK_DEMO_DB: path.join(dir, 'demo.db'), LOG_LEVEL: 'silent' }, [], { quiet: true, harkPort: 0 });
    const api = async (route: string) => (await fetch(demo!.harkUrl + route, { headers: { authorization: `Bearer ${demo!.adminToken}` } })).json() as Promise<any>;
    expect((await api('/api/v1/schedules')).items.map((s: any) => s.name).sort()).toEqual(['payments-primary', 'platform-primary']);
    // Level 1 of the demo source's ladder: whoever platform-primary has on call is paged.
    const oncall = await api('/api/v1/schedules/platform-primary/oncall');
    const who = `escalated to level 1: ${oncall.members[0].name} (on call in platform-primary)`;
    await waitFor(async () => ((await api('/api/v1/incidents/1')).timeline as { message: string }[]).some((e) => e.message === who), {
      message: 'incident #1 paged the on-call person at level 1',
    });

    await control(demo, 'POST', '/__emulator/messages', { chat_id: demo.seeded.chatId, sender_open_id: demo.seeded.alice, text: 'oncall', mention_bot: true });
    await waitFor(async () => (await texts(demo!, `chat_id=${demo!.seeded.chatId}`)).some((t) => t.includes('platform-primary') && t.includes(oncall.members[0].name)), {
      message: 'the oncall card naming platform-primary and who is on call',
    });
  });
});
