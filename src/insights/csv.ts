import type { Figures } from './figures.ts';
import type { InsightReport } from './index.ts';

// GET /api/v1/insights.csv (README "Insights"): the report in long form, one figure a line
// (section, name, metric, value), so a spreadsheet can pivot it whichever way it likes.

const HEADER = ['section', 'name', 'metric', 'value'];

/** A CSV field: quoted when needed; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function figureRows(section: string, name: string, f: Figures): (string | number | null)[][] {
  const rows: (string | number | null)[][] = [];
  const put = (metric: string, value: number | null) => rows.push([section, name, metric, value]);
  put('incidents', f.incidents);
  put('mtta_p50_s', f.mtta_p50_s);
  put('mtta_p90_s', f.mtta_p90_s);
  put('mttr_p50_s', f.mttr_p50_s);
  put('mttr_p90_s', f.mttr_p90_s);
  put('acked_within_5m', f.acked_within_5m);
  put('escalated', f.escalated);
  put('pages_work', f.pages.work);
  put('pages_off', f.pages.off);
  put('pages_sleep', f.pages.sleep);
  put('maintenance_s', f.maintenance_s);
  for (const [sev, n] of Object.entries(f.by_severity)) put(`incidents_${sev}`, n);
  return rows;
}

export function insightsCsv(r: InsightReport): string {
  const rows: (string | number | null)[][] = [HEADER];
  rows.push(...figureRows('window', `${r.from}/${r.to}`, r));
  rows.push(...figureRows('previous', `${r.previous.from}/${r.previous.to}`, r.previous));
  for (const p of r.people) {
    for (const h of ['work', 'off', 'sleep'] as const) rows.push(['person', p.email ?? p.member, `pages_${h}`, p[h]]);
  }
  for (const n of r.noisiest) {
    const name = `${n.source}/${n.group_key}`;
    rows.push(['noisiest', name, 'count', n.count], ['noisiest', name, 'auto_resolved', n.auto_resolved], ['noisiest', name, 'flapping', n.flapping]);
  }
  for (const d of r.series) {
    rows.push(['day', d.day, 'incidents', d.incidents], ['day', d.day, 'mtta_p50_s', d.mtta_p50_s]);
    for (const [sev, n] of Object.entries(d.by_severity)) rows.push(['day', d.day, `incidents_${sev}`, n]);
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
