import Router from '@koa/router';
import { CALLBACK_PATH, CallbackRefused, openCallback, type CallbackOptions } from '../../lark/http-callback.ts';
import { jsonBody } from '../body.ts';

// POST /lark/callback (HTTP callback mode): the checks and decryption are src/lark/http-callback.ts;
// the checked envelope goes to the same EventDispatcher the long connection uses.

// koa-body keeps the exact bytes under this symbol (includeUnparsed, src/http/body.ts).
const UNPARSED = Symbol.for('unparsedBody');

function rawBodyOf(req: { rawBody?: string; body?: unknown }): string {
  const raw = req.rawBody ?? (req.body as Record<symbol, unknown> | undefined)?.[UNPARSED];
  return typeof raw === 'string' ? raw : '';
}

export function createLarkCallbackRouter(opts: CallbackOptions): Router {
  const router = new Router();
  router.post(CALLBACK_PATH, jsonBody(), async (ctx) => {
    const log = ctx.state.log ?? opts.logger;
    const raw = rawBodyOf(ctx.request);
    let data: Record<string, any>;
    try {
      data = openCallback(raw, ctx.headers, opts);
    } catch (err) {
      if (!(err instanceof CallbackRefused)) throw err;
      log.warn({ reason: err.message, ip: ctx.ip }, 'lark callback refused');
      ctx.status = 401;
      ctx.body = { error: { code: 'unauthorized', message: 'lark callback refused' } };
      return;
    }
    if (data.type === 'url_verification') {
      // Answer within 1 s (docs/lark-notes.md §3.6); the token was checked above, unlike the SDK's autoChallenge.
      ctx.body = { challenge: data.challenge };
      return;
    }
    // Our checks are done; the dispatcher must not redo the SDK's (JSON.stringify-based) signature check.
    const answer = await opts.dispatcher.invoke(data, { needCheck: false });
    // Card callbacks answer with the toast/card object; events with an empty JSON object (HTTP 200).
    ctx.status = 200;
    ctx.body = answer && typeof answer === 'object' ? answer : {};
  });
  return router;
}
