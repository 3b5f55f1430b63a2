/**
 * Errors with one meaning each; the HTTP edge maps them to statuses, the chat edge to sentences.
 * The domain throws these and never knows about Koa.
 */
export type ErrorCode =
  | 'invalid' // 400: bad input; message names the field and the problem
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'method_not_allowed' // 405
  | 'timeout' // 408: the request (its body) did not arrive in time
  | 'conflict' // 409
  | 'too_large' // 413
  | 'unsupported_media_type' // 415
  | 'upstream' // 502: a service Hark calls for the user (Alertmanager) failed, refused or was slow
  | 'unavailable'; // 503: overload or a dependency down; callers should retry

/** Why, finer than the code, for edges that answer differently (the chat's sentence); never sent over HTTP. */
export type ErrorReason = 'incident_resolved';

export class HarkError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly reason?: ErrorReason,
  ) {
    super(message);
    this.name = 'HarkError';
  }
}

export const STATUS_OF: Record<ErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  timeout: 408,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  upstream: 502,
  unavailable: 503,
};
