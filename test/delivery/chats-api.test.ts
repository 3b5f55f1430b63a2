import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { buildHark } from '../../src/app.ts';
import { testConfig } from '../helpers/config.ts';
import { apiClient } from '../helpers/api.ts';
import type { LarkApi } from '../../src/lark/client.ts';
import { silentLogger } from '../../src/log.ts';
import { createSharedState } from '../../src/state/index.ts';
import { openSqliteTestStore, type TestStore } from '../helpers/store.ts';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

test('subscriptions API: PUT, GET with status, DELETE; admin token required; chat list sync', async () => {
  const store: TestStore = await openSqliteTestStore();
  const state = createSharedState();
  const lark = { listChats: async () => [{ chatId: 'oc_1', name: 'Pay SRE' }, { chatId: 'oc_2', name: 'DB' }] } as unknown as LarkApi;
  const config = testConfig({ DATABASE_URL: 'sqlite::memory:' });
  const hark = await buildHark(config, { logger: silentLogger, store, state, lark });
  const { delivery } = hark;
  await hark.services.sources.create({ name: 'prom', kind: 'alertmanager' });
  const server = http.createServer(hark.app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup = async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await hark.stop();
    await state.close();
    await store.cleanup();
  };
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = apiClient(base);

  expect(await delivery.syncChats()).toEqual({ active: 2, added: ['oc_1', 'oc_2'], removed: [] });
  expect((await call('GET', '/api/v1/chats', undefined, null)).status).toBe(401);

  const put = await call('PUT', '/api/v1/chats/oc_1/subscriptions/prom', { min_severity: 'warning', labels: { team: 'pay' } });
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({ chat_id: 'oc_1', source: 'prom', min_severity: 'warning', labels: { team: 'pay' } });
  const put2 = await call('PUT', '/api/v1/chats/oc_2/subscriptions/prom', { labels: ['env!=dev'] });
  expect(put2.body).toMatchObject({ min_severity: 'info', labels: ['env!="dev"'] });

  expect((await call('PUT', '/api/v1/chats/oc_1/subscriptions/nope', {})).status).toBe(404);
  expect((await call('PUT', '/api/v1/chats/oc_9/subscriptions/prom', {})).status).toBe(404);
  const bad = await call('PUT', '/api/v1/chats/oc_1/subscriptions/prom', { min_severity: 'loud' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toMatch(/min_severity/);

  await delivery.chats.botRemoved('oc_2');
  const list = await call('GET', '/api/v1/chats');
  expect(list.body.items).toEqual([
    { chat_id: 'oc_2', name: 'DB', status: 'removed', updated_at: expect.any(Number), subscriptions: [expect.objectContaining({ source: 'prom' })] },
    { chat_id: 'oc_1', name: 'Pay SRE', status: 'active', updated_at: expect.any(Number), subscriptions: [expect.objectContaining({ min_severity: 'warning' })] },
  ]);

  expect((await call('DELETE', '/api/v1/chats/oc_1/subscriptions/prom')).status).toBe(204);
  expect((await call('DELETE', '/api/v1/chats/oc_1/subscriptions/prom')).status).toBe(204);
  expect((await call('GET', '/api/v1/chats')).body.items[1].subscriptions).toEqual([]);
});
