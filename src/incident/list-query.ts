import { HarkError } from '../errors.ts';
import { INCIDENT_STATUSES, type IncidentStatus } from './types.ts';

// The incident list's query parameters (IncidentService.list): the status filter and the opaque cursor.

export function parseStatuses(status: string | null | undefined): IncidentStatus[] | null {
  if (!status) return null;
  const out = new Set<IncidentStatus>();
  for (const s of status.split(',').map((x) => x.trim())) {
    if (s === 'open') {
      out.add('triggered');
      out.add('acknowledged');
    } else if ((INCIDENT_STATUSES as readonly string[]).includes(s)) out.add(s as IncidentStatus);
    else throw new HarkError('invalid', `status: "${s}" is not one of triggered, acknowledged, resolved, open`);
  }
  return [...out];
}

export const encodeCursor = (number: number) => Buffer.from(`n:${number}`).toString('base64url');

export function decodeCursor(cursor: string): number {
  const m = /^n:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new HarkError('invalid', 'cursor: not a cursor returned by this API');
  return Number(m[1]);
}
