// The static pages `hark cards preview` writes. Card HTML comes from card-html.ts (already
// escaped); every other text is escaped here.
import { CARD_CSS, escapeHtml } from '../card-html/card-html.ts';

interface PageSample {
  template: string;
  state: string;
  caption: string;
  card: unknown;
  file: string;
}

const PAGE_CSS = `
body{margin:0;background:#f5f6f7;color:#1f2329;font:14px/22px -apple-system,BlinkMacSystemFont,"Helvetica Neue","PingFang SC","Noto Sans CJK SC",sans-serif}
main{max-width:1320px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 8px;font-family:ui-monospace,monospace}
.lead{color:#646a73;margin:0 0 8px}
.sample{margin:16px 0 28px}.caption{margin:0 0 8px}.caption code{background:#eff0f1;border-radius:4px;padding:0 4px}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:16px;align-items:start}
.lang{font-size:12px;color:#8f959e;margin-bottom:4px}
details.json{margin-top:8px}details.json pre{background:#fff;border:1px solid #dee0e3;border-radius:6px;padding:8px;overflow:auto;font-size:12px;line-height:18px;max-height:480px}
a{color:#245bdb}
.shot{display:inline-block;padding:16px;background:#f5f6f7;width:640px;box-sizing:border-box}
.shot .lk-card{max-width:none}
`;

function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CARD_CSS}${PAGE_CSS}</style></head>
<body>${body}</body></html>
`;
}

function pair(en: string, zh: string): string {
  return `<div class="pair"><div><div class="lang">en_us</div>${en}</div><div><div class="lang">zh_cn</div>${zh}</div></div>`;
}

/** The page a PNG is taken of: one card, English, on the chat background. */
export function pngPage(cardHtml: string): string {
  return shell('card', `<div class="shot">${cardHtml}</div>`);
}

/** One sample: both languages and the card JSON as sent to Lark. */
export function cardPage(s: PageSample, html: { en: string; zh: string }): string {
  return shell(`${s.template}: ${s.state}`, `<main><h1>cards/${escapeHtml(s.template)}.json · ${escapeHtml(s.state)}</h1>`
    + `<p class="lead">${escapeHtml(s.caption)} · <a href="index.html">all cards</a></p>${pair(html.en, html.zh)}`
    + `<details class="json"><summary>Card JSON (both languages, as Hark sends it)</summary><pre>${escapeHtml(JSON.stringify(s.card, null, 2))}</pre></details></main>`);
}

/** Every sample, grouped by template file. */
export function indexPage(cardsDir: string, samples: (PageSample & { en: string; zh: string; png: string | null })[]): string {
  const byTemplate = new Map<string, typeof samples>();
  for (const s of samples) byTemplate.set(s.template, [...(byTemplate.get(s.template) ?? []), s]);
  const sections = [...byTemplate].map(([template, list]) => `<h2>${escapeHtml(cardsDir)}/${escapeHtml(template)}.json</h2>`
    + list.map((s) => `<section class="sample" id="${escapeHtml(s.file)}"><p class="caption"><code>${escapeHtml(s.state)}</code> ${escapeHtml(s.caption)}`
      + ` · <a href="${escapeHtml(s.file)}.html">page</a>${s.png ? ` · <a href="${escapeHtml(s.png)}">PNG</a>` : ''}</p>${pair(s.en, s.zh)}</section>`).join(''))
    .join('');
  return shell('Hark cards', `<main><h1>Hark cards</h1><p class="lead">Every template in <code>${escapeHtml(cardsDir)}/</code> in each state, with sample data,`
    + ' drawn by the emulator chat view\'s card renderer. Regenerate with <code>hark cards preview</code>.</p>'
    + `${sections}</main>`);
}
