import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Context } from 'koa';
import type { Member } from '../incident/types.ts';
import { stripInvisible } from '../render/index.ts';
import { pickLang, translator, type Lang, type Translate } from './i18n.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TEMPLATES_DIR = path.join(HERE, 'templates');
export const CSS = fs.readFileSync(path.join(HERE, 'static', 'app.css'), 'utf8');

// Pages carry no script at all; styles come from one same-origin file. Forms post only here.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'";
// The insights page only (PageData.scripts): its charts are drawn by same-origin scripts
// (/h5/static/vchart.js and insights.js); still no inline script and nothing from elsewhere.
const CSP_SCRIPTS = `${CSP}; script-src 'self'`;

export interface PageData {
  title: string;
  me?: Member | null;
  csrf?: string;
  nav?: string;
  flash?: { text: string; error?: boolean } | null;
  /** Allow same-origin scripts (the insights charts). */
  scripts?: boolean;
  [key: string]: unknown;
}

/**
 * Server-side rendering with eta; autoEscape stays on, so every `<%= %>` is HTML-escaped, and every
 * value printed first passes stripInvisible (autoFilter), so control and bidi-override characters in
 * an alert's text cannot reorder what a page shows, as on the cards (src/render/escape.ts).
 */
export class Templates {
  private readonly eta: Eta;

  constructor(opts: { cache?: boolean } = {}) {
    this.eta = new Eta({
      views: TEMPLATES_DIR,
      autoEscape: true,
      autoFilter: true,
      filterFunction: (value: unknown) => stripInvisible(String(value ?? '')),
      cache: opts.cache ?? true,
      defaultExtension: '.eta',
    });
  }

  lang(ctx: Context): { lang: Lang; t: Translate } {
    const lang = pickLang(ctx.get('accept-language'));
    return { lang, t: translator(lang) };
  }

  render(ctx: Context, view: string, data: PageData, status = 200): void {
    const { lang, t } = this.lang(ctx);
    const html = this.eta.render(`./${view}`, { lang, t, me: null, csrf: '', nav: '', flash: null, ...data });
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Content-Security-Policy', data.scripts ? CSP_SCRIPTS : CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    // The OAuth callback URL carries a code; never leak it (or incident paths) to other sites.
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Vary', 'Accept-Language, Cookie');
    ctx.body = html;
  }

  /** A page that says what happened and, when given, offers to try again. */
  message(ctx: Context, status: number, title: string, message: string, retryUrl: string | null = null, me: Member | null = null): void {
    this.render(ctx, 'message', { title, message, retryUrl, me }, status);
  }
}
