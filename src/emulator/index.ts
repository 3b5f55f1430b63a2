// Public entry of the Lark emulator (README "The Lark emulator"). Self-contained: imports nothing from the
// rest of src/, so it can run beside Hark, inside tests, or alone via `hark emulator`.
//
// Lark surface (docs/lark-notes.md): POST /open-apis/auth/v3/{tenant,app}_access_token/internal,
// POST /callback/ws/endpoint + WebSocket /ws/v2, /open-apis/im/v1/messages[/:id[/reply]],
// /open-apis/im/v1/chats[/:id], /open-apis/bot/v3/info, /open-apis/contact/v3/users/:id,
// /open-apis/interactive/v1/card/update, /open-apis/application/v6/scopes, /open-apis/authen/{v1/authorize,v2/oauth/token,
// v1/oidc/access_token,v1/oidc/refresh_access_token,v1/user_info}.
// Control surface (JSON): /__emulator/{users,chats,chats/:id[/bot|/disband|/members],messages,
// messages/:id[/age],click,login,logout,faults,reset,clock,events,stats,tenant,urgents} — see control*.ts.
import { emulatorOptionsFromEnv } from './options.ts';
import { startEmulator, type Emulator } from './server.ts';

export { controlRoute, startEmulator, type Emulator } from './server.ts';
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
