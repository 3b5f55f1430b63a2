import { zodToJsonSchema } from 'zod-to-json-schema';
import { configSchema } from './schema.ts';

// docs/hark.schema.json, generated from the very zod schema the file is validated with
// (test/config-file/json-schema.test.ts fails when the committed file differs): editors that
// speak JSON Schema (VS Code's YAML extension, JetBrains) complete and check a Hark file from it.

export function configJsonSchema(): Record<string, unknown> {
  const schema = zodToJsonSchema(configSchema, { name: 'HarkConfig', $refStrategy: 'none', errorMessages: false }) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...schema,
    title: 'Hark configuration file',
    description: 'Teams, members, sources (routing, escalation, Alertmanager, heartbeat, war room, noise) and schedules. See README "Teams and configuration as code".',
  };
}

export const configJsonSchemaText = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
