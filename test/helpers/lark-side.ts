import { controlRoute, startEmulator } from '../../src/emulator/index.ts';

// "Lark and the people", in a process of their own for the click benchmark: the emulator, and the
// clickers who press card buttons through its /__emulator/click route and time each answer. In
// production Lark's work runs on Lark's machines, so it must not share Hark's event loop here either.
//
// Spawned by test/helpers/lark-process.ts with the emulator options as argv[2]; speaks over the IPC channel:
//   → { type: 'ready', url, appId, appSecret }
//   ← { type: 'load', id, clickers, seconds, pauseMs: [min, max] }   → { type: 'result', id, rtts, callbacks, errors }
// rtts: each click as the person saw it (the click route's round trip); callbacks: the emulator's own
// measure of the same click, from pushing the event to the app's answer.
//   ← { type: 'close' }

export interface Clicker {
  openId: string;
  incident: number;
  messageId: string;
}

export interface LoadRequest {
  type: 'load';
  id: number;
  clickers: Clicker[];
  seconds: number;
  /** A person's pause between an answer and the next click, drawn uniformly; [0, 0] clicks back to back. */
  pauseMs: [number, number];
}

const emu = await startEmulator({ port: 0, timeScale: 0.001, pingInterval: 1, reconnectInterval: 1, reconnectNonce: 0, ...JSON.parse(process.argv[2] ?? '{}') });
const send = (m: unknown) => process.send!(m);

async function click(c: Clicker, op: 'ack' | 'unack'): Promise<{ rtt: number; callback: number }> {
  const t0 = performance.now();
  const body: { response?: { toast?: { type?: string; content?: string } }; callback_ms: number } = await controlRoute(emu.url, 'POST', '/__emulator/click', {
    message_id: c.messageId,
    operator_open_id: c.openId,
    value: { v: 1, op, incident: c.incident },
  });
  const ms = performance.now() - t0;
  if (body.response?.toast?.type === 'error') throw new Error(`click refused: ${body.response.toast.content}`);
  return { rtt: ms, callback: body.callback_ms };
}

async function load(req: LoadRequest): Promise<{ rtts: number[]; callbacks: number[]; errors: string[] }> {
  const rtts: number[] = [];
  const callbacks: number[] = [];
  const errors: string[] = [];
  const [lo, hi] = req.pauseMs;
  const pause = () => (hi > 0 ? new Promise((r) => setTimeout(r, lo + Math.random() * (hi - lo))) : null);
  // Warm-up: one ack and one unack each, not recorded (JIT, SQLite page cache, the SDK's token).
  await Promise.all(req.clickers.map(async (c) => {
    await click(c, 'ack');
    await click(c, 'unack');
  }));
  const deadline = performance.now() + req.seconds * 1000;
  await Promise.all(
    req.clickers.map(async (c, i) => {
      // Spread the first clicks over one pause, as people do not all press in the same millisecond.
      if (hi > 0) await new Promise((r) => setTimeout(r, (i / req.clickers.length) * hi));
      for (let k = 0; performance.now() < deadline; k++) {
        try {
          const r = await click(c, k % 2 === 0 ? 'ack' : 'unack');
          rtts.push(r.rtt);
          callbacks.push(r.callback);
        } catch (err) {
          errors.push((err as Error).message);
          if (errors.length > 20) return;
        }
        await pause();
      }
    }),
  );
  return { rtts, callbacks, errors };
}

process.on('message', (m: LoadRequest | { type: 'close' }) => {
  if (m.type === 'close') {
    void emu.close().then(() => process.exit(0));
    return;
  }
  load(m).then(
    (r) => send({ type: 'result', id: m.id, ...r }),
    (err: Error) => send({ type: 'result', id: m.id, rtts: [], callbacks: [], errors: [err.message] }),
  );
});
process.on('disconnect', () => void emu.close().then(() => process.exit(0)));
send({ type: 'ready', url: emu.url, appId: emu.appId, appSecret: emu.appSecret });
