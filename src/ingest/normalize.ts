import type { SourceKind } from '../incident/types.ts';
import type { NormalizedAlertBatch } from './types.ts';
import { alertmanagerPayloadSchema, normalizeAlertmanager } from './alertmanager.ts';
import { genericPayloadSchema, normalizeGeneric } from './generic.ts';
import { grafanaPayloadSchema, normalizeGrafana } from './grafana.ts';
import { parseOrThrow } from '../incident/validate.ts';

/** Validates a payload of the given kind and turns it into a NormalizedAlertBatch; HarkError('invalid') otherwise. */
export function normalizePayload(kind: SourceKind, body: unknown, now: number): NormalizedAlertBatch {
  switch (kind) {
    case 'alertmanager':
      return normalizeAlertmanager(parseOrThrow(alertmanagerPayloadSchema, body), now);
    case 'grafana':
      return normalizeGrafana(parseOrThrow(grafanaPayloadSchema, body), now);
    case 'generic':
      return normalizeGeneric(parseOrThrow(genericPayloadSchema, body), now);
  }
}

export type { NormalizedAlert, NormalizedAlertBatch } from './types.ts';
