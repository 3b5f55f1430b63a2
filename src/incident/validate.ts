import type { z } from 'zod';
import { HarkError } from '../errors.ts';

/** "alerts[0].labels" from ['alerts', 0, 'labels']; "body" for the root. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'body';
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : String(p)),
    '',
  );
}

/** One zod issue in words ("is required", "must be one of …"); the configuration file uses it too. */
export function describeIssue(issue: z.ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.received === 'undefined') return 'is required';
    return `expected ${issue.expected}, got ${issue.received}`;
  }
  if (issue.code === 'invalid_enum_value') {
    return `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, got ${JSON.stringify(issue.received)}`;
  }
  return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
}

/**
 * Parses with a zod schema; on failure throws HarkError('invalid') whose message names the field
 * path and the problem ("alerts[0].status: must be one of "firing", "resolved", got "bogus""),
 * so the sender's operator can fix the payload from the log line alone.
 */
export function parseOrThrow<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((i) => ({ path: formatPath(i.path), message: describeIssue(i) }));
  const more = result.error.issues.length - issues.length;
  const message = issues.map((i) => `${i.path}: ${i.message}`).join('; ') + (more > 0 ? `; and ${more} more` : '');
  throw new HarkError('invalid', message, { issues });
}
