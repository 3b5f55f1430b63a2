import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.ts';

/** A real pino logger whose lines are kept for assertions (probot's habit: assert logs through a stream). */
export function captureLogs(level = 'info'): { logger: Logger; lines: any[] } {
  const lines: any[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: createLogger(level, stream), lines };
}
