import { describe, expect, it } from 'vitest';
import { ConfigFileError, formatProblem, loadConfigTexts } from '../../src/config-file/load.ts';
import { resolveConfig } from '../../src/config-file/resolve.ts';
import type { StoredState } from '../../src/store/config-repo.ts';

// Every problem of a configuration file names file:line:column, the field and the fix.

function problems(files: Record<string, string>): string[] {
  try {
    loadConfigTexts(Object.entries(files).map(([file, text]) => ({ file, text })));
  } catch (err) {
    if (err instanceof ConfigFileError) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error('the configuration was accepted');
}

const MEMBERS = 'members:\n  - {name: Alice, email: alice@example.com, role: admin}\n';

describe('configuration file problems at their positions', () => {
  it('YAML syntax: an unclosed bracket', () => {
    expect(problems({ 'a.yaml': 'members:\n  - {name: Alice, email: alice@example.com\n' })[0]).toMatch(/^a\.yaml:3:1: YAML: .*fix the YAML syntax here/);
  });

  it('a duplicated key in one mapping', () => {
    expect(problems({ 'a.yaml': 'members:\n  - name: Alice\n    name: Bob\n    email: a@example.com\n    role: admin\n' })[0]).toMatch(/^a\.yaml:3:5: YAML: Map keys must be unique/);
  });

  it('an unknown field, at the key', () => {
    expect(problems({ 'a.yaml': `${MEMBERS}sources:\n  - name: pay\n    kind: generic\n    colour: red\n` })).toEqual([
      'a.yaml:6:5: sources[0].colour: is not a field here; check its spelling (docs/hark.schema.json lists the fields, and editors complete them from it)',
    ]);
  });

  it('an unknown top-level list', () => {
    expect(problems({ 'a.yaml': `${MEMBERS}groups: []\n` })).toEqual([
      'a.yaml:3:1: groups: is not a part of a configuration file; use teams, members, sources, schedules, maintenance',
    ]);
  });

  it('a value outside its choices, at the value', () => {
    expect(problems({ 'a.yaml': 'members:\n  - {name: Bob, email: bob@example.com, role: admiral}\n' })).toEqual([
      'a.yaml:2:47: members[0].role: must be one of "admin", "responder", "viewer", got "admiral"',
    ]);
  });

  it('a missing field, at its object', () => {
    expect(problems({ 'a.yaml': 'sources:\n  - name: pay\n' })).toEqual(['a.yaml:2:5: sources[0].kind: is required here; add "kind"']);
  });

  it("the API's own checks: an escalation wait of 0 and a time zone that does not exist", () => {
    const text = [
      'sources:',
      '  - name: pay',
      '    kind: generic',
      '    escalation:',
      '      levels:',
      '        - targets: [{member: alice@example.com}]',
      '          wait_minutes: 0',
      'schedules:',
      '  - name: primary',
      '    time_zone: Mars/Olympus',
      '    layers: [{members: [alice@example.com], rotation: {every: 1w, start: "2026-12-07"}}]',
    ].join('\n');
    expect(problems({ 'a.yaml': text })).toEqual([
      'a.yaml:7:25: sources[0].escalation.levels[0].wait_minutes: must be greater than 0 (fractions such as 0.5 are allowed)',
      'a.yaml:10:16: schedules[0].time_zone: "Mars/Olympus" is not an IANA time zone; use a name such as "Asia/Shanghai" or "America/New_York"',
    ]);
  });

  it('a name declared in two files of a folder, at the second, naming the first', () => {
    expect(problems({ 'a.yaml': `${MEMBERS}`, 'b.yaml': `\n\n${MEMBERS}` })).toEqual([
      'b.yaml:4:26: members[0].email: "alice@example.com" is declared twice (first at a.yaml:2:26); keep one entry',
    ]);
  });

  it('a list that is not a list', () => {
    expect(problems({ 'a.yaml': 'teams: payments\n' })).toEqual(['a.yaml:1:8: teams: must be a list: write each entry on a line starting with "- "']);
  });

  it('an unknown or ambiguous group, an unknown member and an unset token_env, against the database', () => {
    const loaded = loadConfigTexts([
      {
        file: 'c.yaml',
        text: [
          MEMBERS.trimEnd(),
          'sources:',
          '  - name: pay',
          '    kind: generic',
          '    token_env: PAY_TOKEN',
          '    routes: [{chat: Ops}, {chat: Nowhere}]',
          '    escalation: {levels: [{targets: [{member: zoe@example.com}], wait_minutes: 5}]}',
        ].join('\n'),
      },
    ]);
    const state: StoredState = {
      teams: [], members: [], sources: [], schedules: [], windows: [],
      chats: [{ chat_id: 'oc_1', name: 'Ops', status: 'active' }, { chat_id: 'oc_2', name: 'Ops', status: 'active' }],
    };
    let list: string[] = [];
    try {
      resolveConfig(loaded, state, {});
    } catch (err) {
      list = (err as ConfigFileError).problems.map(formatProblem);
    }
    expect(list).toEqual([
      'c.yaml:6:16: sources[0].token_env: the environment variable PAY_TOKEN is not set; set it where Hark applies the file (the secret never goes in the file)',
      'c.yaml:7:21: sources[0].routes[0].chat: "Ops" names 2 groups (oc_1, oc_2); write the chat_id of the one you mean',
      'c.yaml:7:34: sources[0].routes[1].chat: Hark is in no group named "Nowhere"; add the bot to the group first, or write its chat_id (GET /api/v1/chats lists them)',
      'c.yaml:8:47: sources[0].escalation.levels[0].targets[0].member: no member has the email zoe@example.com; add them under members:',
    ]);
  });
});
