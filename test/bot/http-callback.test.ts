import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPush, encryptPayload, signBody } from '../../src/emulator/index.ts';
import { decryptPayload, openCallback, signatureMatches } from '../../src/lark/http-callback.ts';
import { captureLogs } from '../helpers/logs.ts';
import { waitFor } from '../helpers/wait.ts';
import { buttonValue, startBotRig, type BotRig } from './helpers.ts';

const KEY = 'test-encrypt-key-0123';
const TOKEN = 'test-verification-token';

describe('HTTP callback mode (POST /lark/callback, docs/lark-notes.md §4)', () => {
  let rig: BotRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('serves commands and clicks pushed by the emulator (encrypted, signed) through the same bot', async () => {
    rig = await startBotRig({ mode: 'http' });
    const rui = await rig.person('Rui', 'responder');
    const chat = await rig.group('http-ops', [rui]);
    const n = await rig.fire('OverHttp');
    const messageId = await rig.cardIn(chat, n);
    const card = (await rig.messages({ chat_id: chat })).find((m) => m.message_id === messageId)!;
    const answer = await rig.click(messageId, rui, buttonValue(card.content, 'ack'));
    expect(answer.toast.content).toBe(`#${n} acknowledged by Rui.`);
    expect(answer.card.data.schema).toBe('2.0');

    const id = await rig.say({ chat_id: chat }, rui, `resolve #${n}`);
    expect((await rig.repliesTo(chat, id))[0].content.text).toBe(`#${n} resolved by Rui.`);
  });

  it('answers url_verification with the challenge, only with the right token', async () => {
    rig = await startBotRig({ mode: 'http' });
    const post = (payload: object) => {
      const { body, headers } = buildPush(JSON.stringify(payload), KEY);
      return fetch(`${rig!.harkUrl}/lark/callback`, { method: 'POST', body, headers });
    };
    const ok = await post({ challenge: 'ch-123', token: TOKEN, type: 'url_verification' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ challenge: 'ch-123' });
    const bad = await post({ challenge: 'ch-123', token: 'wrong', type: 'url_verification' });
    expect(bad.status).toBe(401);
  });

  it('refuses a forged signature or token with 401, logs it, and touches nothing', async () => {
    const { logger, lines } = captureLogs();
    rig = await startBotRig({ mode: 'http', logger });
    const rui = await rig.person('Rui', 'responder');
    const chat = await rig.group('forgery', [rui]);
    const n = await rig.fire('Forged');
    const messageId = await rig.cardIn(chat, n);
    const envelope = {
      schema: '2.0',
      header: { event_id: 'forged-1', token: TOKEN, create_time: String(Date.now() * 1000), event_type: 'card.action.trigger', tenant_key: 't', app_id: rig.emu.appId },
      event: {
        operator: { open_id: rui, union_id: 'on_x' },
        token: 'c-forged',
        action: { value: { v: 1, op: 'ack', incident: n }, tag: 'button' },
        host: 'im_message',
        context: { open_message_id: messageId, open_chat_id: chat },
      },
    };
    const url = `${rig.harkUrl}/lark/callback`;

    // 1. A body signed with the wrong key.
    const forged = buildPush(JSON.stringify(envelope), 'not-the-key');
    const r1 = await fetch(url, { method: 'POST', body: forged.body, headers: forged.headers });
    expect(r1.status).toBe(401);

    // 2. A correctly signed body whose bytes were changed after signing (extra space).
    const good = buildPush(JSON.stringify(envelope), KEY);
    const r2 = await fetch(url, { method: 'POST', body: good.body.replace('{', '{ '), headers: good.headers });
    expect(r2.status).toBe(401);

    // 3. Correct key and signature but the wrong Verification Token inside.
    const wrongToken = buildPush(JSON.stringify({ ...envelope, header: { ...envelope.header, token: 'nope' } }), KEY);
    const r3 = await fetch(url, { method: 'POST', body: wrongToken.body, headers: wrongToken.headers });
    expect(r3.status).toBe(401);

    // 4. No signature at all.
    const r4 = await fetch(url, { method: 'POST', body: good.body, headers: { 'content-type': 'application/json' } });
    expect(r4.status).toBe(401);

    expect((await rig.incident(n)).status).toBe('triggered');
    expect(await rig.state.get('dedup:evt:forged-1')).toBeNull();
    const refusals = lines.filter((l) => l.msg === 'lark callback refused').map((l) => l.reason);
    expect(refusals).toEqual(['signature does not match', 'signature does not match', 'verification token does not match', 'missing X-Lark-Signature']);

    // The genuine request goes through.
    const r5 = await fetch(url, { method: 'POST', body: good.body, headers: good.headers });
    expect(r5.status).toBe(200);
    expect((await r5.json()).toast.content).toBe(`#${n} acknowledged by Rui.`);
    await waitFor(async () => (await rig!.incident(n)).status === 'acknowledged');
  });
});

describe('callback crypto', () => {
  it('decrypts what the emulator encrypts and checks signatures over the raw bytes', () => {
    const plain = JSON.stringify({ hello: '世界' });
    expect(decryptPayload(encryptPayload(plain, KEY), KEY)).toBe(plain);
    expect(() => decryptPayload(encryptPayload(plain, KEY), 'other')).toThrow();
    const sig = signBody('1700000000', 'n1', KEY, '{"a":1}');
    expect(signatureMatches({ timestamp: '1700000000', nonce: 'n1', signature: sig }, KEY, '{"a":1}')).toBe(true);
    expect(signatureMatches({ timestamp: '1700000000', nonce: 'n1', signature: sig }, KEY, '{"a": 1}')).toBe(false);
    expect(signatureMatches({ timestamp: '1700000000', nonce: 'n1', signature: 'zz' }, KEY, '{"a":1}')).toBe(false);
  });

  it('reads the token from header.token (2.0) and token (v1); plaintext without an Encrypt Key', () => {
    const v2 = JSON.stringify({ schema: '2.0', header: { token: TOKEN, event_type: 'x' }, event: { token: 'c-card' } });
    expect(openCallback(v2, {}, { encryptKey: '', verificationToken: TOKEN }).header.token).toBe(TOKEN);
    // The card update token in event.token must not pass for the Verification Token (docs/lark-notes.md §0.12).
    const trick = JSON.stringify({ schema: '2.0', header: { event_type: 'x' }, event: { token: TOKEN } });
    expect(() => openCallback(trick, {}, { encryptKey: '', verificationToken: TOKEN })).toThrow('verification token');
    const v1 = JSON.stringify({ uuid: 'u', token: TOKEN, type: 'event_callback', event: { type: 'x' } });
    expect(openCallback(v1, {}, { encryptKey: '', verificationToken: TOKEN }).uuid).toBe('u');
    // With a key configured, a plaintext body is refused even if unsigned checks would pass.
    const ts = '1';
    const nonce = crypto.randomBytes(4).toString('hex');
    const headers = { 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': signBody(ts, nonce, KEY, v2) };
    expect(() => openCallback(v2, headers, { encryptKey: KEY, verificationToken: TOKEN })).toThrow('plaintext');
  });
});
