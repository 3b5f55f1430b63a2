import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CARDS_DIR, useCardsDir } from '../../src/render/index.ts';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';

describe('HARK_CARDS_DIR', () => {
  let rig: Rig | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-cards-'));
  afterAll(async () => {
    await rig?.close();
    // The templates are per process: put the shipped ones back for whatever runs next here.
    useCardsDir(DEFAULT_CARDS_DIR);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends cards from the edited copy of the templates', async () => {
    fs.cpSync(DEFAULT_CARDS_DIR, dir, { recursive: true });
    const help = path.join(dir, 'help.json');
    fs.writeFileSync(help, fs.readFileSync(help, 'utf8').replaceAll('"en_us": "Hark commands"', '"en_us": "What our on-call bot understands"'));
    rig = await startRig({ env: { HARK_CARDS_DIR: dir } });
    await waitReady(rig);
    const alice = await rig.emu('POST', '/__emulator/users', { name: 'Alice' });
    await rig.emu('POST', '/__emulator/messages', { p2p_open_id: alice.open_id, sender_open_id: alice.open_id, text: 'help' });
    const card = await waitFor(async () => {
      const items = (await rig!.emu('GET', `/__emulator/messages?open_id=${alice.open_id}`)).items;
      return items.find((m: any) => m.msg_type === 'interactive');
    }, { message: 'the help card in the private chat' });
    expect(JSON.stringify(card.content)).toContain('What our on-call bot understands');
    expect(JSON.stringify(card.content)).not.toContain('"Hark commands"');
  });
});
