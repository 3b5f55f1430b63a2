import { loadConfig, type Config } from '../../src/config.ts';
import { ADMIN_TOKEN } from './api.ts';

/**
 * A Config for a Hark built in the test's process (buildHark): the shared admin token, a session
 * secret, and Lark at an address nothing listens on unless `env` names one (LARK_DOMAIN, the emulator's URL).
 */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    LARK_APP_ID: 'cli_test',
    LARK_APP_SECRET: 'x',
    LARK_DOMAIN: 'http://127.0.0.1:9',
    HARK_ADMIN_TOKEN: ADMIN_TOKEN,
    HARK_SESSION_SECRET: 'x'.repeat(32),
    ...env,
  });
}
