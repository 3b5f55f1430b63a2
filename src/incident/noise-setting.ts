import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../store/schema.ts';
import type { IncidentStore } from '../store/incident-store.ts';
import { defaultNoise, noiseFor, type NoiseSettings } from './noise.ts';
import type { SourceSetting } from './source-setting.ts';
import { parseOrThrow } from './validate.ts';

// PATCH /api/v1/sources/:name {reopen_minutes?, flap?: {changes, minutes}} (README "Maintenance and
// noise"): the source's re-fire window and flapping threshold. null restores the default (10; 4 in
// 60); 0 turns reopening, or flapping, off.

export const MAX_NOISE_MINUTES = 24 * 60;
export const MAX_FLAP_CHANGES = 100;

const minutes = (what: string) =>
  z
    .number()
    .min(0, { message: `must not be negative (0 turns ${what} off)` })
    .max(MAX_NOISE_MINUTES, { message: `must be at most ${MAX_NOISE_MINUTES} (one day)` })
    .refine((m) => Number.isInteger(m), { message: `must be a whole number of minutes (0 turns ${what} off)` });

export const noisePatchSchema = z
  .object({
    reopen_minutes: minutes('reopening').nullable().optional(),
    flap: z
      .object(
        {
          changes: z
            .number()
            .refine((n) => n === 0 || (Number.isInteger(n) && n >= 2 && n <= MAX_FLAP_CHANGES), { message: `must be a whole number: 0 (off) or from 2 to ${MAX_FLAP_CHANGES}` }),
          minutes: minutes('flapping'),
        },
        { message: 'must be {"changes": N, "minutes": M}, or null for the default (4 in 60)' },
      )
      .strict()
      .nullable()
      .optional(),
  })
  .strict();

export type NoisePatch = z.output<typeof noisePatchSchema>;

export function noiseSourceSetting(db: Kysely<DB>, repo: Pick<IncidentStore, 'sourceNoise' | 'setSourceNoise'>, defaults: NoiseSettings = defaultNoise): SourceSetting<NoisePatch> {
  return {
    keys: ['reopen_minutes', 'flap'],
    parse: (part) => parseOrThrow(noisePatchSchema, part),
    async apply(source, patch) {
      await repo.setSourceNoise(db, source.id, {
        ...(patch.reopen_minutes !== undefined ? { reopenMinutes: patch.reopen_minutes } : {}),
        ...(patch.flap !== undefined ? { flapChanges: patch.flap?.changes ?? null, flapMinutes: patch.flap?.minutes ?? null } : {}),
      });
    },
    async view(source) {
      const n = noiseFor(defaults, await repo.sourceNoise(db, source.id));
      return { reopen_minutes: Math.round(n.reopenMs / 60_000), flap: { changes: n.flapChanges, minutes: Math.round(n.flapMs / 60_000) } };
    },
  };
}
