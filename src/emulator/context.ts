// The pieces every route module shares. Adding a feature (a chat view at GET /, an SSE stream)
// means writing a `register…(router, ctx)` function and listening to ctx.state's emitter.
import type { Delivery, DeliveryRecord } from './delivery.ts';
import type { Envelope } from './events.ts';
import type { EmulatorOptions } from './options.ts';
import type { SlidingWindow, Stats } from './rate-limits.ts';
import type { EmulatorState } from './state.ts';
import type { TokenStore } from './tokens.ts';
import type { WsHub } from './ws-server.ts';

export interface EmulatorContext {
  options: EmulatorOptions;
  state: EmulatorState;
  delivery: Delivery;
  hub: WsHub;
  windows: SlidingWindow;
  stats: Stats;
  tokens: TokenStore;
  /** Push an event to the app (long connection or HTTP callback, per options). */
  emitEvent(envelope: Envelope): DeliveryRecord;
}
