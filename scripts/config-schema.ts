// Writes docs/hark.schema.json from the configuration file's zod schema: npx tsx scripts/config-schema.ts
import fs from 'node:fs';
import { configJsonSchemaText } from '../src/config-file/json-schema.ts';

fs.writeFileSync(new URL('../docs/hark.schema.json', import.meta.url), configJsonSchemaText());
