import { Redis } from 'ioredis';

/** `hark doctor`: connects to REDIS_URL once, PINGs, disconnects; the error text when it cannot. */
export async function probeRedis(url: string, timeoutMs = 5000): Promise<{ ok: true; version: string } | { ok: false; error: string }> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | null = null;
  client.on('error', (err: Error) => (lastError = err));
  try {
    await client.connect();
    await client.ping();
    const info = await client.info('server');
    return { ok: true, version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown' };
  } catch (err) {
    return { ok: false, error: (lastError ?? (err as Error)).message };
  } finally {
    client.disconnect();
  }
}
