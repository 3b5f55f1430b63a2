import { HttpMethodEnum, koaBody } from 'koa-body';
import type { Middleware } from 'koa';
import { DEFAULT_BODY_LIMIT } from './app.ts';

/**
 * JSON body parser for routes that take one, with a size limit (413 past it, turned into a JSON
 * error by the app's boundary). The raw text stays available at ctx.request.rawBody for the Lark
 * HTTP callback, whose signature covers the exact bytes (docs/lark-notes.md §4).
 */
export function jsonBody(limitBytes = DEFAULT_BODY_LIMIT): Middleware {
  return koaBody({
    json: true,
    urlencoded: true,
    text: false,
    multipart: false,
    jsonLimit: limitBytes,
    formLimit: limitBytes,
    includeUnparsed: true,
    parsedMethods: [HttpMethodEnum.POST, HttpMethodEnum.PUT, HttpMethodEnum.PATCH, HttpMethodEnum.DELETE],
  }) as unknown as Middleware;
}

declare module 'koa' {
  interface Request {
    rawBody?: string;
  }
}
