// Which src/ files two paths run through (issue 23's measure of how far a reader must follow them):
//   alert → card: POST /api/v1/alerts/alertmanager until the incident's card is at the emulator;
//   click → card: an Ack click at the emulator until its callback answer (the redrawn card) is back.
// Hark is built by buildHark (test/bot/helpers.ts) against the emulator with the real SDK and SQLite.
// V8's precise coverage (function call counts) is reset just before each path and read as soon as it
// ends; a file counts when one of its functions ran in between. src/emulator/ (the fake Lark, in this
// process) is left out. The timer scanner and the outbox worker poll once an hour here, so what
// runs is what the path wakes, not a poll that happened to fall inside it.
//   npx tsx scripts/path-files.ts [--list]
import http from 'node:http';
import inspector from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBotRig, buttonValue } from '../test/bot/helpers.ts';
import { waitFor } from '../test/helpers/wait.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src') + path.sep;
const list = process.argv.includes('--list');

const session = new inspector.Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });

/** The src/ files (relative) that ran a function since the last call. */
async function ranSince(): Promise<string[]> {
  const { result } = await session.post('Profiler.takePreciseCoverage');
  const files = new Set<string>();
  for (const script of result) {
    if (!script.url.startsWith('file:')) continue;
    const file = fileURLToPath(script.url);
    if (!file.startsWith(SRC) || file.startsWith(SRC + 'emulator' + path.sep)) continue;
    if (script.functions.some((f) => f.ranges[0].count > 0)) files.add(path.relative(SRC, file));
  }
  return [...files].sort();
}

function report(name: string, files: string[]): void {
  const folders = new Set(files.map((f) => (f.includes(path.sep) ? f.split(path.sep)[0] + '/' : f)));
  console.log(`${name}: ${files.length} files in ${folders.size} folders`);
  if (list) for (const f of files) console.log(`  ${f}`);
}

const HOUR = 3_600_000;
const rig = await startBotRig({ delivery: { pollMs: HOUR }, timers: { pollMs: HOUR } });
const server = http.createServer(rig.hark.app.callback());
try {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { source, token } = await rig.services.sources.create({ name: 'am', kind: 'alertmanager' });
  const alice = await rig.person('Alice', 'responder');
  const chat = await rig.group('ops', [alice], { subscribe: false });
  await rig.delivery.chats.subscribe(chat, source.name, {});
  await rig.settled();
  const cardsIn = async () => (await rig.messages({ chat_id: chat })).filter((m) => m.msg_type === 'interactive');
  const before = (await cardsIn()).length;

  const labels = { alertname: 'DiskFull', severity: 'critical' };
  const body = {
    version: '4',
    groupKey: '{}:{alertname="DiskFull"}',
    status: 'firing',
    receiver: 'hark',
    groupLabels: { alertname: 'DiskFull' },
    commonLabels: labels,
    commonAnnotations: { summary: 'Disk is full' },
    externalURL: 'http://alertmanager.example:9093',
    alerts: [{ status: 'firing', labels, annotations: { summary: 'Disk is full' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: 'fp-disk' }],
  };
  await ranSince();
  const res = await fetch(`${url}/api/v1/alerts/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`alert: ${res.status} ${await res.text()}`);
  const card = await waitFor(async () => (await cardsIn())[before] ?? null, { message: 'the incident card at the emulator' });
  report('alert → card', await ranSince());

  await rig.settled();
  await ranSince();
  const answer = await rig.click(card.message_id, alice, buttonValue(card.content, 'ack'));
  if (!answer?.card) throw new Error(`click: no card in the answer ${JSON.stringify(answer)}`);
  report('click → card', await ranSince());
} finally {
  await new Promise((r) => server.close(r));
  await rig.close();
  session.disconnect();
}
