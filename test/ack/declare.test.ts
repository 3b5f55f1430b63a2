import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { cardHas, startWorld, type World } from '../paging/world.ts';
import { replaceTeamMembers, setSourceTeam, upsertTeam } from '../../src/store/team-repo.ts';
import { findMemberByEmail } from '../../src/store/member-repo.ts';
import { findSourceByName } from '../../src/store/source-repo.ts';

/** Makes team `name` own the source (teams come from the configuration file; issue 24), home group optional. */
async function teamOwns(w: World, name: string, sources: string[], homeChatId: string | null = null): Promise<void> {
  const db = w.rig.hark.store.db;
  const id = await upsertTeam(db, { name, timeZone: 'UTC', homeChatId, openToAllResponders: true, settings: {} }, Date.now());
  for (const s of sources) await setSourceTeam(db, (await findSourceByName(db, s))!.id, id);
}

// Issue 25: declaring an incident from Lark (a group, a reply, a private chat) and over the API.

describe('declare an incident (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('@Hark declare in a group opens an incident of its source, posts its card there and pages per policy', async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    await w.api('PUT', '/api/v1/sources/payments/escalation', { levels: [{ targets: [{ member: Bob.email }], wait_minutes: 60 }] });
    const said = await w.say('declare Checkout fails for everyone warning', Alice.openId);
    const reply = await w.replyTo(said);
    const n = Number(/#(\d+) declared on payments: Checkout fails for everyone\./.exec(reply)?.[1]);
    expect(n).toBeGreaterThan(0);
    const card = await w.groupCard(n);
    expect(cardHas(card, 'Checkout fails for everyone')).toBe(true);
    await w.privateCard(Bob.openId, n);
    const detail = await w.api('GET', `/api/v1/incidents/${n}`);
    expect(detail.body.incident?.severity ?? detail.body.severity).toBe('warning');
    expect(await w.timeline(n)).toContain(`#${n} declared by Alice on payments: Checkout fails for everyone`);
  });

  it('as a reply, the replied message is the description and is named on the timeline', async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    const report = await w.say('customers report HTTP 500 on /pay since 10:00', Bob.openId, { mention: false });
    const said = await w.say('declare Payments erroring', Alice.openId, { parent_id: report });
    const n = Number(/#(\d+) declared/.exec(await w.replyTo(said))?.[1]);
    const detail = await w.api('GET', `/api/v1/incidents/${n}`);
    expect(detail.body.incident?.description ?? detail.body.description).toBe('customers report HTTP 500 on /pay since 10:00');
    expect(await w.timeline(n)).toContain(`#${n} declared by Alice on payments: Payments erroring; described by a message in ops (${report})`);
  });

  it('in a private chat a card asks for the title and the source; its button declares', async () => {
    w = await startWorld(['Alice']);
    const { Alice } = w.people;
    await w.rig.emu('POST', '/__emulator/messages', { p2p_open_id: Alice.openId, sender_open_id: Alice.openId, text: 'declare' });
    const card = await waitFor(async () => (await w!.dms(Alice.openId)).find((m) => m.msg_type === 'interactive' && cardHas(m, 'Declare on payments')), {
      message: 'the declare card',
    });
    const value = JSON.parse(/"value":(\{"v":1,"op":"declare"[^}]*\})/.exec(JSON.stringify(card.content))![1]);
    const empty = await w.click(card.message_id, Alice.openId, value, { form_value: { title: '' } });
    expect(JSON.stringify(empty)).toContain('title: required');
    const done = await w.click(card.message_id, Alice.openId, value, { form_value: { title: 'Search is down' } });
    const n = Number(/#(\d+) declared on payments: Search is down/.exec(JSON.stringify(done))?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(cardHas(await w.groupCard(n), 'Search is down')).toBe(true);
    // Issue 29's binding: a declare value pressed on another card (here the incident's group card)
    // or naming a source its card does not offer declares nothing.
    const refused = 'This button does not belong to this card, so Hark did nothing.';
    const onIncidentCard = await w.click((await w.groupCard(n)).message_id, Alice.openId, value, { form_value: { title: 'Forged' } });
    expect(JSON.stringify(onIncidentCard)).toContain(refused);
    const otherSource = await w.click(card.message_id, Alice.openId, { ...value, source: 'elsewhere' }, { form_value: { title: 'Forged' } });
    expect(JSON.stringify(otherSource)).toContain(refused);
    const list = await w.api('GET', '/api/v1/incidents');
    expect(JSON.stringify(list.body)).not.toContain('Forged');
  });

  it('POST /api/v1/incidents declares → 201 {number}; team and bad input are refused in words', async () => {
    w = await startWorld(['Alice']);
    const r = await w.api('POST', '/api/v1/incidents', { title: 'Login broken', severity: 'critical', source: 'payments', description: 'SSO returns 502' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ number: expect.any(Number) });
    expect(cardHas(await w.groupCard(r.body.number), 'Login broken')).toBe(true);
    const team = await w.api('POST', '/api/v1/incidents', { title: 'x', team: 'sre' });
    expect(team.status).toBe(404);
    expect(JSON.stringify(team.body)).toContain('team: there is no team named \\"sre\\"');
    const noTitle = await w.api('POST', '/api/v1/incidents', { source: 'payments' });
    expect(noTitle.status).toBe(400);
    expect(JSON.stringify(noTitle.body)).toContain('title');
    const unknown = await w.api('POST', '/api/v1/incidents', { title: 'x', source: 'nope' });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain('there is no source named \\"nope\\"; there are payments');
  });

  it("with teams: POST {team} opens on the team's only source, asks which of several; @Hark declare in a team's home group is that team's", async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    await teamOwns(w, 'payments-team', ['payments'], w.chatId);
    await w.api('PUT', '/api/v1/sources/payments/escalation', { levels: [{ targets: [{ member: Bob.email }], wait_minutes: 60 }] });
    const r = await w.api('POST', '/api/v1/incidents', { title: 'Refunds stuck', team: 'payments-team', description: 'since the deploy' });
    expect(r.status).toBe(201);
    expect(cardHas(await w.groupCard(r.body.number), 'Refunds stuck')).toBe(true);
    await w.privateCard(Bob.openId, r.body.number);
    expect((await w.api('GET', `/api/v1/incidents/${r.body.number}`)).body.incident?.source ?? (await w.api('GET', `/api/v1/incidents/${r.body.number}`)).body.source).toBe('payments');

    // A second source of the team: the API must be told which; the home group gets a card asking.
    const other = await w.api('POST', '/api/v1/sources', { name: 'payments-db', kind: 'generic' });
    expect(other.status).toBe(201);
    await teamOwns(w, 'payments-team', ['payments-db'], w.chatId);
    const ambiguous = await w.api('POST', '/api/v1/incidents', { title: 'x', team: 'payments-team' });
    expect(ambiguous.status).toBe(400);
    expect(JSON.stringify(ambiguous.body)).toContain('source: team payments-team owns 2 sources (payments, payments-db); add \\"source\\" to say which');
    const foreign = await w.api('POST', '/api/v1/incidents', { title: 'x', team: 'payments-team', source: 'nope' });
    expect(JSON.stringify(foreign.body)).toContain('source: nope is not a source of team payments-team');
    const named = await w.api('POST', '/api/v1/incidents', { title: 'Replica lag', team: 'payments-team', source: 'payments-db' });
    expect(named.status).toBe(201);

    const said = await w.say('declare Ledger out of balance', Alice.openId);
    const card = await waitFor(async () => {
      const items = (await w!.rig.emu('GET', `/__emulator/messages?chat_id=${w!.chatId}`)).items as any[];
      return items.find((m) => m.parent_id === said && m.msg_type === 'interactive');
    }, { message: 'the card asking which source' });
    expect(cardHas(card, 'Declare on payments-db')).toBe(true);
    expect(cardHas(card, 'Declare on payments')).toBe(true);
  });

  it('in a private chat with teams: the card picks a team (theirs first), a title and a severity; Declare opens on the team\'s source', async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    const db = w.rig.hark.store.db;
    const search = await w.api('POST', '/api/v1/sources', { name: 'search', kind: 'generic' });
    expect(search.status).toBe(201);
    await teamOwns(w, 'payments-team', ['payments']);
    await teamOwns(w, 'search-team', ['search']);
    const teamId = (await db.selectFrom('teams').select('id').where('name', '=', 'search-team').executeTakeFirstOrThrow()).id;
    await replaceTeamMembers(db, Number(teamId), [{ memberId: (await findMemberByEmail(db, Alice.email))!.id, role: 'member' }], Date.now());
    await w.api('PUT', '/api/v1/sources/search/escalation', { levels: [{ targets: [{ member: Bob.email }], wait_minutes: 60 }] });

    await w.rig.emu('POST', '/__emulator/messages', { p2p_open_id: Alice.openId, sender_open_id: Alice.openId, text: 'declare' });
    const card = await waitFor(async () => (await w!.dms(Alice.openId)).find((m) => m.msg_type === 'interactive' && cardHas(m, 'search-team (your team)')), {
      message: 'the declare card with the team picker',
    });
    // The picker: Alice's team first, then the others; no source buttons.
    const text = JSON.stringify(card.content);
    expect(text.indexOf('search-team (your team)')).toBeLessThan(text.indexOf('payments-team'));
    expect(cardHas(card, 'Declare on payments')).toBe(false);
    expect(text).toContain('"tag":"select_static"');
    const value = JSON.parse(/"value":(\{"v":1,"op":"declare"[^}]*\})/.exec(text)![1]);

    const noTeam = await w.click(card.message_id, Alice.openId, value, { form_value: { title: 'Search is slow', team: 'nope' } });
    expect(JSON.stringify(noTeam)).toContain('team: there is no team named');
    const done = await w.click(card.message_id, Alice.openId, value, { form_value: { title: 'Search is slow', team: 'search-team', severity: 'warning' } });
    const n = Number(/#(\d+) declared on search: Search is slow/.exec(JSON.stringify(done))?.[1]);
    expect(n).toBeGreaterThan(0);
    const detail = await w.api('GET', `/api/v1/incidents/${n}`);
    expect(detail.body.incident?.source ?? detail.body.source).toBe('search');
    expect(detail.body.incident?.severity ?? detail.body.severity).toBe('warning');
    await w.privateCard(Bob.openId, n);

    // A team with several sources: the card is redrawn asking which; its buttons then declare.
    const ledger = await w.api('POST', '/api/v1/sources', { name: 'ledger', kind: 'generic' });
    expect(ledger.status).toBe(201);
    await teamOwns(w, 'payments-team', ['ledger']);
    const asked = await w.click(card.message_id, Alice.openId, value, { form_value: { title: 'Refunds stuck', team: 'payments-team', severity: 'info' } });
    expect(JSON.stringify(asked)).toContain('Team payments-team owns 2 sources (ledger, payments)');
    const redrawn = await w.rig.emu('GET', `/__emulator/messages/${card.message_id}`);
    expect(cardHas(redrawn, 'Declare on ledger')).toBe(true);
    const ledgerValue = JSON.parse(/"value":(\{"v":1,"op":"declare","source":"ledger"[^}]*\})/.exec(JSON.stringify(redrawn.content))![1]);
    const onLedger = await w.click(card.message_id, Alice.openId, ledgerValue, { form_value: { title: 'Refunds stuck' } });
    const m = Number(/#(\d+) declared on ledger: Refunds stuck/.exec(JSON.stringify(onLedger))?.[1]);
    expect(m).toBeGreaterThan(0);
    expect((await w.api('GET', `/api/v1/incidents/${m}`)).body.incident?.severity ?? (await w.api('GET', `/api/v1/incidents/${m}`)).body.severity).toBe('info');
  });
});
