// Load generator for bench/ingest.ts, run as its own process so the client's HTTP work does not
// share the server's event loop (Alertmanager is another process too).
// argv: port token concurrency seconds warmup; stdin: nothing; stdout: one JSON line {requests, seconds, cpuMs}
// (cpuMs: this process's CPU time, start-up included).
import http from 'node:http';
import { payload } from './am-payload.ts';

const [port, token, concurrency, seconds, warmup] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });

const post = (body: string) =>
  new Promise<void>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: Number(port), path: '/api/v1/alerts/alertmanager', method: 'POST', agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`ingest answered ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });

let next = 0;
for (; next < Number(warmup); next++) await post(payload(next));
const started = performance.now();
const deadline = started + Number(seconds) * 1000;
let requests = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (performance.now() < deadline) {
      await post(payload(next++));
      requests++;
    }
  }),
);
const cpu = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ requests, seconds: (performance.now() - started) / 1000, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
agent.destroy();
