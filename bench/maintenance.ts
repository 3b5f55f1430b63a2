import { pool } from './replicas.ts';
import { firePages, GROUPS, p50, p99, PAGES, pageWorld, STORM, STORM_SOURCES } from './paging.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// maintenance_pages_sent (issue 26): the page-storm world (bench/paging.ts: 100 groups over 50
// storm sources, PAGES pager sources each paging its own person), where a maintenance window covers
// the first half of the storm sources and each covered source pages a person of its own at
// escalation level 1 (the uncovered storm sources stay as in page-storm, without a policy, so the
// page figure is comparable). STORM alerts are spread over the 50 storm sources, then the PAGES
// critical pages are fired on their (uncovered) sources as in page-storm. Measured: private cards
// that reached the people of covered sources once the outbox has drained (must be 0), and the
// pages' ingest answer → private card p99 (goal ≤ 2,000 ms, as `page_storm_p99_ms`); the baseline
// is the same pages, in the same run, with no storm and no window. The control: one window is then
// ended early, and its still-firing incidents must page its person, or the 0 would mean nothing.

const COVERED = STORM_SOURCES / 2;

async function maintenanceStorm(opts: BenchOptions): Promise<Figures> {
  const calm = await pageWorld(opts.log);
  let base: number[];
  try {
    base = await firePages(calm, 'calm');
  } finally {
    await calm.close();
  }
  opts.log(`  no storm, no window: p50 ${p50(base).toFixed(0)} ms, p99 ${p99(base).toFixed(0)} ms`);

  const w = await pageWorld(opts.log);
  try {
    // Each covered storm source pages its own person, and is under a window from now.
    const sourcePeople: string[] = [];
    const windows: string[] = [];
    for (let s = 0; s < COVERED; s++) {
      const email = `storm-oncall${s}@example.com`;
      const { open_id } = await w.emu.control('POST', '/__emulator/users', { name: `Storm on-call ${s}`, email });
      await w.api('POST', '/api/v1/members', { name: `Storm on-call ${s}`, email, role: 'responder', lark_open_id: open_id });
      const p = await w.api('PUT', `/api/v1/sources/storm-${s}/escalation`, { levels: [{ targets: [{ member: email }], wait_minutes: 30 }] });
      if (p.status !== 200) throw new Error(`policy refused: ${JSON.stringify(p.body)}`);
      sourcePeople.push(open_id);
      const m = await w.api('POST', '/api/v1/maintenance', { source: `storm-${s}`, duration: '2h', reason: 'bench' });
      if (m.status !== 201) throw new Error(`maintenance refused: ${JSON.stringify(m.body)}`);
      windows.push(m.body.id);
    }
    const covered = new Set(sourcePeople);
    let coveredPages = 0;
    const onMessage = (m: { chat_type: string; receive_id: string }) => {
      if (m.chat_type === 'p2p' && covered.has(m.receive_id)) coveredPages++;
    };
    w.emu.state.on('message.created', onMessage);
    try {
      const severities = ['critical', 'warning', 'info'];
      await pool(STORM, 16, async (i) => {
        const s = i % STORM_SOURCES;
        const r = await w.api('POST', '/api/v1/alerts', { title: `storm ${i}`, alert_key: `storm-${i}`, severity: severities[i % 3] }, w.stormTokens[s]);
        if (r.status !== 200) throw new Error(`storm ingest answered ${r.status}`);
      });
      const queued = await w.hark.delivery.pending();
      opts.log(`  storm: ${STORM} alerts ingested over ${STORM_SOURCES} sources, ${COVERED} under maintenance; ${queued} sends queued for ${GROUPS} groups`);
      const storm = await firePages(w, 'storm');
      opts.log(`  during the storm: p50 ${p50(storm).toFixed(0)} ms, p99 ${p99(storm).toFixed(0)} ms`);
      // Everything queued is sent before the covered pages are counted: a page still in the
      // outbox would otherwise be missed.
      const drainBy = Date.now() + 300_000;
      while ((await w.hark.delivery.pending()) > 0) {
        if (Date.now() > drainBy) throw new Error('the outbox did not drain within 5 minutes');
        await new Promise((res) => setTimeout(res, 200));
      }
      const sent = coveredPages;
      opts.log(`  outbox drained: ${sent} pages reached the people of the ${COVERED} covered sources`);
      // The control: the first window ended early; what still fires on its source pages from now.
      const ended = await w.api('DELETE', `/api/v1/maintenance/${windows[0]}`);
      if (ended.status >= 300) throw new Error(`ending the window answered ${ended.status}`);
      const controlBy = Date.now() + 120_000;
      while (coveredPages === sent) {
        if (Date.now() > controlBy) throw new Error('no page after the window ended: the control failed, the count means nothing');
        await new Promise((res) => setTimeout(res, 100));
      }
      opts.log(`  control: the window of storm-0 ended early, and its person was paged`);
      const stats = await w.emu.control('GET', '/__emulator/stats');
      return {
        maintenance_pages_sent: sent,
        maintenance_page_storm_p99_ms: p99(storm),
        maintenance_page_storm_p50_ms: p50(storm),
        maintenance_page_storm_baseline_p99_ms: p99(base),
        maintenance_page_storm_http_429: stats.http_429,
      };
    } finally {
      w.emu.state.off('message.created', onMessage);
    }
  } finally {
    await w.close();
  }
}

export const maintenanceStormBenchmark: Benchmark = {
  name: 'maintenance-storm',
  description: `${STORM} alerts over ${STORM_SOURCES} sources, the half that pages under a maintenance window, then ${PAGES} critical pages on uncovered sources`,
  run: maintenanceStorm,
};
