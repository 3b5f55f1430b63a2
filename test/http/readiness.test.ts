import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSharedState, type SharedState } from '../../src/state/index.ts';
import { startRig, type Rig } from '../helpers/hark.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';

// Issue 29 item 4: with Redis stalled, /readyz took as long as a Redis command may (5 s, here
// 60 s). Each dependency now has 0.8 s to answer; one that does not is reported not ready.
const REDIS_URL = process.env.HARK_TEST_REDIS_URL;

describe.skipIf(!REDIS_URL)('/readyz with a stalled dependency', () => {
  let rig: Rig | null = null;
  let state: SharedState | null = null;
  let proxy: TcpProxy | null = null;
  afterEach(async () => {
    proxy?.thaw();
    await rig?.close();
    await state?.close();
    await proxy?.down();
    rig = state = proxy = null;
  });

  it('answers 503 naming shared_state while Redis answers nothing, and 200 once it answers again', async () => {
    proxy = TcpProxy.forUrl(REDIS_URL!, 6379);
    await proxy.up();
    state = createSharedState({ redisUrl: proxy.rewrite(REDIS_URL!), prefix: `hark-test-${crypto.randomBytes(4).toString('hex')}:`, commandTimeoutMs: 60_000 });
    rig = await startRig({ env: { HARK_EVENT_MODE: 'http' }, start: { state } });
    expect((await rig.api('GET', '/readyz')).status).toBe(200);

    proxy.freeze();
    const stalled = await rig.api('GET', '/readyz');
    expect(stalled.status).toBe(503);
    expect(stalled.body).toMatchObject({ status: 'not ready', not_ready: ['shared_state'], parts: { database: true, shared_state: false } });

    proxy.thaw();
    expect((await rig.api('GET', '/readyz')).status).toBe(200);
  }, 30_000);
});
