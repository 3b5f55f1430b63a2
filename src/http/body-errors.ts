import zlib from 'node:zlib';
import type { Context } from 'koa';
import { HarkError } from '../errors.ts';

/**
 * The codes Node gives brotli decoder failures: BROTLI_DECODER_ERROR_FORMAT_PADDING_1 arrives as
 * ERR__ERROR_FORMAT_PADDING_1 (Node strips "BROTLI_DECODER"), which looks like no zlib error.
 */
const BROTLI_CODES = new Set(
  Object.keys(zlib.constants)
    .filter((k) => k.startsWith('BROTLI_DECODER_ERROR_'))
    .map((k) => `ERR_${k.slice('BROTLI_DECODER'.length)}`),
);

/**
 * A body-reading failure turned into what the client did wrong: a compressed body that does not
 * decompress (zlib's Z_* errors, brotli's decoder errors) is a 400 naming the Content-Encoding; an encoding we cannot read is
 * 415. Null for anything else.
 */
export function bodyError(err: unknown, ctx: Context): HarkError | null {
  const e = err as { code?: unknown; status?: unknown; message?: string; type?: string } | null;
  const encoding = ctx.get('content-encoding') || 'identity';
  if (e && typeof e.code === 'string' && (/^Z_|^ERR_(ZLIB|BROTLI)/.test(e.code) || BROTLI_CODES.has(e.code))) {
    return new HarkError('invalid', `request body is not valid ${encoding} data (Content-Encoding: ${encoding}): ${e.message ?? e.code}`);
  }
  if (e && e.status === 415 && /content-encoding/i.test(e.message ?? '')) {
    return new HarkError('unsupported_media_type', `Content-Encoding ${encoding} is not supported; send gzip, deflate, br or an uncompressed body`);
  }
  return null;
}
