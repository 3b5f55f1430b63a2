import type { IncidentService, TransitionResult, TxOption } from './service.ts';
import type { Actor, IncidentOp } from './types.ts';

/**
 * One of the five lifecycle operations (INCIDENT_OPS) on the service, however it was asked for:
 * card button, chat command, web app. `duration`: snooze's length, or an acknowledgement's time box.
 */
export function performOp(
  incidents: Pick<IncidentService, IncidentOp>,
  op: IncidentOp,
  number: number,
  actor: Actor,
  opts: TxOption & { duration?: string } = {},
): Promise<TransitionResult> {
  const { duration, ...tx } = opts;
  switch (op) {
    case 'ack':
      return incidents.ack(number, actor, { ...tx, duration });
    case 'snooze':
      return incidents.snooze(number, duration ?? '', actor, tx);
    case 'unack':
    case 'resolve':
    case 'reopen':
      return incidents[op](number, actor, tx);
  }
}
