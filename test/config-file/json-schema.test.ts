import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText } from '../../src/config-file/json-schema.ts';

describe('docs/hark.schema.json', () => {
  it('is what the configuration schema generates (regenerate: npx tsx scripts/config-schema.ts)', () => {
    expect(fs.readFileSync('docs/hark.schema.json', 'utf8')).toBe(configJsonSchemaText());
  });

  it('describes the escalation ladder with the API policy schema (urgent levels, unseen_after)', () => {
    const text = JSON.stringify(configJsonSchema());
    for (const key of ['"urgent"', '"unseen_after"', '"wait_minutes"', '"token_env"', '"open_to_all_responders"', '"restrictions"']) expect(text).toContain(key);
  });
});
