import { describe, expect, it } from 'vitest';
import { authorizeChanges, type ConfigCaller } from '../../src/config-file/authorize.ts';
import type { PlannedChange } from '../../src/config-file/plan.ts';

// Who may plan and apply which changes, with hand-made callers shaped like the API's Principal.

const admin: ConfigCaller = { kind: 'admin_token', name: 'admin' };
const adminScope: ConfigCaller = { kind: 'api_token', name: 'ci', scope: 'admin', teamName: null };
const read: ConfigCaller = { kind: 'api_token', name: 'viewer-ci', scope: 'read', teamName: null };
const payments: ConfigCaller = { kind: 'api_token', name: 'payments-ci', scope: 'team', teamName: 'payments' };
const adminSession: ConfigCaller = { kind: 'member', name: 'Alice', role: 'admin' };
const responder: ConfigCaller = { kind: 'member', name: 'Bob', role: 'responder' };

const change = (kind: PlannedChange['kind'], name: string, owners: (string | null)[], op: PlannedChange['op'] = 'update'): PlannedChange => ({ op, kind, name, owners, fields: ['routes'] });

const own = [change('source', 'payments-am', ['payments']), change('schedule', 'payments-primary', ['payments']), change('team', 'payments', ['payments'])];
const table: { caller: ConfigCaller; changes: PlannedChange[]; mode: 'plan' | 'apply'; refused?: RegExp }[] = [
  { caller: admin, changes: [change('member', 'a@example.com', [null], 'create'), change('source', 'x', ['checkout'], 'delete')], mode: 'apply' },
  { caller: adminScope, changes: [change('team', 'checkout', ['checkout'], 'create')], mode: 'apply' },
  { caller: adminSession, changes: own, mode: 'apply' },
  { caller: responder, changes: own, mode: 'plan', refused: /^Bob is a responder; configuration files are planned and applied by admins/ },
  { caller: read, changes: own, mode: 'plan' },
  { caller: read, changes: own, mode: 'apply', refused: /^token "viewer-ci" has read scope: it may plan but not apply/ },
  { caller: payments, changes: own, mode: 'apply' },
  { caller: payments, changes: [change('source', 'checkout-am', ['checkout'])], mode: 'apply', refused: /^source checkout-am belongs to team checkout; a token of team payments may change only what team payments owns$/ },
  // Moving a source from another team into one's own touches the other team's object too.
  { caller: payments, changes: [change('source', 'moved', ['checkout', 'payments'])], mode: 'plan', refused: /belongs to team checkout/ },
  { caller: payments, changes: [change('schedule', 'global', [null])], mode: 'apply', refused: /^schedule global belongs to no team \(an admin manages it\)/ },
  { caller: payments, changes: [change('member', 'a@example.com', [null])], mode: 'apply', refused: /^member a@example.com: members are shared by every team/ },
  { caller: payments, changes: [change('team', 'payments', ['payments'], 'delete')], mode: 'apply', refused: /^team payments: a token of team payments may not delete a team/ },
];

describe('authorising a configuration plan or apply', () => {
  it.each(table)('$caller.name ($caller.kind) $mode → $refused', ({ caller, changes, mode, refused }) => {
    if (refused) expect(() => authorizeChanges(caller, changes, mode)).toThrow(refused);
    else expect(() => authorizeChanges(caller, changes, mode)).not.toThrow();
  });
});
