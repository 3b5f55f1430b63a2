import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A fixture payload, parsed fresh each time so tests may change it. */
export function fixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
}
