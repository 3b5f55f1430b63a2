// Public entry of the Lark emulator (PRODUCT.md §5). Self-contained: imports nothing from the
// rest of src/, so it can run beside Hark, inside tests, or alone via `hark emulator`.
import { emulatorOptionsFromEnv } from './options.ts';
import { startEmulator, type Emulator } from './server.ts';

export { startEmulator, type Emulator } from './server.ts';
export { emulatorOptionsFromEnv, defaultOptions, silentLogger, type EmulatorOptions, type EmulatorLogger, type RateLimitSettings } from './options.ts';
export { EmulatorState, type EmMessage, type EmChat, type EmUser } from './state.ts';
export { buildPush, encryptPayload, signBody } from './http-push.ts';
export { encodeFrame, decodeFrame, type Frame } from './frames.ts';
export { RETRY_DELAYS_MS, type DeliveryRecord } from './delivery.ts';

/** Starts the emulator from environment variables and prints one line with its URL. */
export async function runEmulator(env: Record<string, string | undefined> = process.env): Promise<Emulator> {
  const emu = await startEmulator(emulatorOptionsFromEnv(env));
  console.log(`Lark emulator listening on ${emu.url} (app ${emu.appId}, secret ${emu.appSecret})`);
  return emu;
}
