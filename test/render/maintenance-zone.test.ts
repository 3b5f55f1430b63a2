import { describe, expect, it } from 'vitest';
import { renderMaintenanceCard, type MaintenanceCardView } from '../../src/render/index.ts';

// The maintenance card says a recurring window's times on the window's own wall clock (issue 26):
// "every Tuesday 22:00–23:30 Asia/Shanghai" reads 23:30 there, whatever zone Hark renders in.

const end = Date.UTC(2026, 11, 8, 15, 30); // 23:30 in Shanghai, 15:30 UTC
const view = (timeZone?: string | null): MaintenanceCardView => ({
  source: 'payments', reason: 'weekly deploy', labels: [], by: 'Alice', start: end - 90 * 60_000, end,
  endedAt: null, endedBy: null, incidents: 0, alerts: 0, firing: [], timeZone,
});

describe('maintenance card times', () => {
  it("are shown in a recurring window's own zone", () => {
    const text = JSON.stringify(renderMaintenanceCard(view('Asia/Shanghai'), { timeZone: 'Europe/Berlin' }));
    expect(text).toContain('2026-12-08 23:30 GMT+8');
    expect(text).not.toContain('16:30');
  });
  it("in the card's zone for a one-off window, or a zone that does not exist", () => {
    expect(JSON.stringify(renderMaintenanceCard(view(null), { timeZone: 'Europe/Berlin' }))).toContain('2026-12-08 16:30 GMT+1');
    expect(JSON.stringify(renderMaintenanceCard(view('Mars/Base'), { timeZone: 'Europe/Berlin' }))).toContain('2026-12-08 16:30 GMT+1');
  });
});
