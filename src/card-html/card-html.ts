// Draws a Lark card (JSON 2.0, and the common 1.0 shapes) as HTML, close to how the Lark client
// draws it: header colour from `header.template`, title/subtitle/text tags, markdown (a safe
// subset: bold, line breaks, links shown as text), plain text, column sets, buttons with their
// `type` styles, collapsible panels, hr, notes; `i18n_content` in one chosen language.
//
// Pure and dependency-free: the emulator's chat view and `hark cards preview` both use it.
// Card text is untrusted: every string goes through escapeHtml, colours and styles come from
// allowlists, and links are never made clickable except open_url buttons with an http(s) URL.
import { CARD_CSS } from './card-css.ts';

export { CARD_CSS };

export type CardLang = 'en_us' | 'zh_cn';

export interface CardHtmlOptions {
  /** Which `i18n_content` text to show; `content` is the fallback. Default en_us. */
  lang?: CardLang;
}

type Node = Record<string, unknown>;

const HEADER_COLOURS = new Set(['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine',
  'violet', 'purple', 'indigo', 'grey', 'default']);
const TAG_COLOURS = new Set(['neutral', 'blue', 'turquoise', 'lime', 'orange', 'violet', 'indigo', 'wathet',
  'green', 'yellow', 'red', 'purple', 'carmine']);
const BUTTON_TYPES = new Set(['default', 'primary', 'danger', 'text', 'primary_text', 'danger_text',
  'primary_filled', 'danger_filled', 'laser']);
const BUTTON_SIZES = new Set(['tiny', 'small', 'medium', 'large']);
const TEXT_SIZES = new Set(['heading', 'normal', 'notation', 'xxxx-large', 'xxx-large', 'xx-large',
  'x-large', 'large', 'medium', 'small', 'x-small']);
const ALIGN = new Set(['left', 'center', 'right']);
const MAX_DEPTH = 12;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and (double- or single-quoted) attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes the HTML entities Lark markdown accepts as escapes (`&#60;`, `&#x3c;`, `&lt;`). */
export function decodeEntities(s: string): string {
  return s.replace(/&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos|nbsp);/g, (whole, ent: string) => {
    if (ent[0] !== '#') return NAMED[ent];
    const cp = ent[1] === 'x' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : whole;
  });
}

/** Literal text of markdown: entities decoded (they are Lark's escapes), then HTML-escaped. */
function mdText(s: string): string {
  return escapeHtml(decodeEntities(s));
}

// Inline markdown: **bold**, [text](url) (shown as text, URL in the title), <at id=…></at>
// (a mention chip), and anything else literally. Syntax is found before entities are decoded,
// so `&#42;&#42;x&#42;&#42;` (how Hark escapes alert text) stays literal asterisks.
const INLINE = /\*\*(.+?)\*\*|\[([^\]\n]*)\]\(([^)\s]*)\)|<at\s+(?:id|user_id|open_id)\s*=\s*["']?([^"'\s>]*)["']?\s*>([^<]*)<\/at>/;

function mdInline(s: string, depth = 0): string {
  let out = '';
  let rest = s;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      out += mdText(rest);
      break;
    }
    out += mdText(rest.slice(0, m.index));
    if (m[1] !== undefined) {
      out += `<strong>${depth < 4 ? mdInline(m[1], depth + 1) : mdText(m[1])}</strong>`;
    } else if (m[2] !== undefined) {
      const url = decodeEntities(m[3] ?? '');
      out += `<span class="lk-md-link" title="${escapeHtml(url)}">${depth < 4 ? mdInline(m[2], depth + 1) : mdText(m[2])}</span>`;
    } else {
      const who = decodeEntities(m[5] || m[4] || '');
      out += `<span class="lk-at">@${escapeHtml(who === 'all' ? 'all' : who)}</span>`;
    }
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

/** Markdown (Lark's card subset, safely): one <br> per line break. */
export function markdownToHtml(src: unknown): string {
  return String(src ?? '').replace(/\r\n?/g, '\n').split('\n').map((line) => mdInline(line)).join('<br>');
}

/** Plain text: escaped, line breaks kept. */
export function plainToHtml(src: unknown): string {
  return String(src ?? '').replace(/\r\n?/g, '\n').split('\n').map(escapeHtml).join('<br>');
}

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const pickClass = (set: Set<string>, v: unknown, fallback: string) => (typeof v === 'string' && set.has(v) ? v : fallback);

/** The text of a text object in `lang`: i18n_content[lang], else content. */
export function textOf(t: unknown, lang: CardLang): string {
  if (typeof t === 'string') return t;
  if (!isNode(t)) return '';
  const i18n = t.i18n_content;
  if (isNode(i18n) && typeof i18n[lang] === 'string') return i18n[lang] as string;
  if (typeof t.content === 'string') return t.content;
  if (isNode(i18n)) {
    const first = Object.values(i18n).find((v) => typeof v === 'string');
    if (typeof first === 'string') return first;
  }
  return '';
}

/** A plain_text / lark_md / markdown text object as inline HTML. */
function textObject(t: unknown, lang: CardLang): string {
  const s = textOf(t, lang);
  return isNode(t) && (t.tag === 'lark_md' || t.tag === 'markdown') ? markdownToHtml(s) : plainToHtml(s);
}

/** http(s) URLs only; everything else (javascript:, data:, lark://) is not a link. */
export function safeHref(u: unknown): string | null {
  if (typeof u !== 'string') return null;
  try {
    const url = new URL(u.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function sizeClass(v: unknown): string {
  const size = pickClass(TEXT_SIZES, v, '');
  return size ? ` lk-ts-${size}` : '';
}

function alignClass(v: unknown): string {
  const a = pickClass(ALIGN, v, '');
  return a && a !== 'left' ? ` lk-align-${a}` : '';
}

function button(n: Node, lang: CardLang): string {
  const type = pickClass(BUTTON_TYPES, n.type, 'default');
  const size = pickClass(BUTTON_SIZES, n.size, 'medium');
  const width = n.width === 'fill' ? ' lk-btn-fill' : '';
  const cls = `lk-btn lk-btn-${type} lk-btn-${size}${width}`;
  const label = textObject(n.text, lang);
  const behaviors = Array.isArray(n.behaviors) ? n.behaviors.filter(isNode) : [];
  const callback = behaviors.find((b) => b.type === 'callback');
  const openUrl = behaviors.find((b) => b.type === 'open_url');
  // 1.0 buttons: `value` and `url` directly on the button.
  const value = callback ? callback.value : n.value;
  const href = safeHref(openUrl ? (openUrl.default_url ?? openUrl.pc_url) : n.url);
  if (n.disabled === true) return `<button type="button" class="${cls}" disabled>${label}</button>`;
  if (value === undefined && href) {
    return `<a class="${cls}" href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${label}</a>`;
  }
  const attrs: string[] = [`type="button"`, `class="${cls}"`, `data-lk-action="callback"`];
  attrs.push(`data-value="${escapeHtml(JSON.stringify(value ?? {}))}"`);
  if (typeof n.name === 'string') attrs.push(`data-name="${escapeHtml(n.name)}"`);
  // A form's submit button sends the form's field values as form_value (docs/lark-notes.md §14).
  if (n.form_action_type === 'submit') attrs.push('data-submit="1"');
  if (isNode(n.confirm)) {
    const ask = [textOf(n.confirm.title, lang), textOf(n.confirm.text, lang)].filter(Boolean).join('\n\n');
    attrs.push(`data-confirm="${escapeHtml(ask)}"`);
  }
  if (value === undefined) attrs.push('disabled');
  return `<button ${attrs.join(' ')}>${label}</button>`;
}

/** A form field's attributes: its name (the form_value key) and whether Lark insists on a value. */
function field(v: Node): string[] {
  return [`data-lk-field="${escapeHtml(String(v.name))}"`, ...(v.required === true ? ['required'] : [])];
}

function element(v: unknown, lang: CardLang, depth: number): string {
  if (!isNode(v) || depth > MAX_DEPTH) return '';
  const els = (list: unknown) => elements(list, lang, depth + 1);
  switch (v.tag) {
    case 'markdown':
    case 'lark_md':
      return `<div class="lk-md${sizeClass(v.text_size)}${alignClass(v.text_align)}">${markdownToHtml(textOf(v, lang))}</div>`;
    case 'plain_text':
      return `<div class="lk-plain${sizeClass(v.text_size)}">${plainToHtml(textOf(v, lang))}</div>`;
    case 'div': {
      const lines = typeof (v.text as Node | undefined)?.lines === 'number' ? Math.max(1, Math.min(20, Number((v.text as Node).lines))) : 0;
      const clamp = lines ? ` lk-clamp lk-clamp-${lines}` : '';
      const text = v.text ? `<div class="lk-div-text${sizeClass((v.text as Node).text_size)}${clamp}">${textObject(v.text, lang)}</div>` : '';
      const fields = Array.isArray(v.fields)
        ? `<div class="lk-fields">${v.fields.filter(isNode).map((f) => `<div class="lk-field${f.is_short ? ' lk-field-short' : ''}">${textObject(f.text, lang)}</div>`).join('')}</div>`
        : '';
      return `<div class="lk-div">${text}${fields}</div>`;
    }
    case 'hr':
      return '<hr class="lk-hr">';
    case 'note':
      return `<div class="lk-note">${(Array.isArray(v.elements) ? v.elements : []).map((e) => (isNode(e) && (e.tag === 'plain_text' || e.tag === 'lark_md') ? `<span>${textObject(e, lang)}</span>` : '')).join(' ')}</div>`;
    case 'button':
      return `<div class="lk-actions">${button(v, lang)}</div>`;
    case 'action': // JSON 1.0 action module
      return `<div class="lk-actions">${(Array.isArray(v.actions) ? v.actions.filter(isNode) : []).map((a) => (a.tag === 'button' ? button(a, lang) : '')).join('')}</div>`;
    case 'column_set': {
      const flow = v.flex_mode === 'flow' || v.flex_mode === 'bisect' || v.flex_mode === 'trisect' ? ' lk-cols-flow' : '';
      const cols = (Array.isArray(v.columns) ? v.columns.filter(isNode) : []).map((c) => {
        const w = c.width === 'auto' ? ' lk-col-auto' : '';
        const inner = (Array.isArray(c.elements) ? c.elements : []).map((e) => (isNode(e) && e.tag === 'button' ? button(e, lang) : element(e, lang, depth + 1))).join('');
        return `<div class="lk-col${w}">${inner}</div>`;
      });
      return `<div class="lk-cols${flow}">${cols.join('')}</div>`;
    }
    case 'collapsible_panel': {
      const header = isNode(v.header) ? textObject(v.header.title, lang) : '';
      return `<details class="lk-panel"${v.expanded === true ? ' open' : ''}><summary class="lk-panel-head">${header}</summary><div class="lk-panel-body">${els(v.elements)}</div></details>`;
    }
    case 'input': {
      // A standalone input with a callback: Enter sends card.action.trigger with input_value.
      const cb = (Array.isArray(v.behaviors) ? v.behaviors.filter(isNode) : []).find((b) => b.type === 'callback');
      const attrs = [`class="lk-input"`, `placeholder="${escapeHtml(textOf(v.placeholder, lang))}"`];
      if (typeof v.max_length === 'number') attrs.push(`maxlength="${Math.trunc(v.max_length)}"`);
      if (cb) attrs.push(`data-lk-input="callback"`, `data-value="${escapeHtml(JSON.stringify(cb.value ?? {}))}"`);
      else if (typeof v.name === 'string') attrs.push(...field(v));
      else attrs.push('disabled');
      if (typeof v.default_value === 'string') attrs.push(`value="${escapeHtml(v.default_value)}"`);
      return `<input ${attrs.join(' ')}>`;
    }
    case 'select_static': {
      // In a form: a field whose chosen option's value goes into form_value under its name.
      const options = (Array.isArray(v.options) ? v.options.filter(isNode) : []).map((o) => {
        const value = String(o.value ?? '');
        const sel = value === v.initial_option ? ' selected' : '';
        return `<option value="${escapeHtml(value)}"${sel}>${escapeHtml(textOf(o.text, lang))}</option>`;
      });
      const hint = `<option value=""${v.initial_option ? '' : ' selected'}>${escapeHtml(textOf(v.placeholder, lang))}</option>`;
      const attrs = [`class="lk-select"`, ...(typeof v.name === 'string' ? field(v) : ['disabled'])];
      return `<select ${attrs.join(' ')}>${hint}${options.join('')}</select>`;
    }
    case 'img':
    case 'image':
      return `<div class="lk-img">${escapeHtml(textOf(v.alt, lang) || '[image]')}</div>`;
    case 'chart': {
      // Drawn in the browser by VChart where the page loads it (the emulator's chat view); elsewhere the placeholder stays.
      const ratio = /^(1:1|2:1|4:3|16:9)$/.test(String(v.aspect_ratio)) ? String(v.aspect_ratio).replace(':', '/') : '16/9';
      const px = /^(\d{1,3})px$/.exec(String(v.height ?? ''));
      const size = px ? `height:${Number(px[1])}px` : `aspect-ratio:${ratio}`;
      const type = isNode(v.chart_spec) ? String(v.chart_spec.type ?? 'chart') : 'chart';
      return `<div class="lk-chart" style="${size}" data-spec="${escapeHtml(JSON.stringify(v.chart_spec ?? null))}"><span class="lk-chart-alt">[${escapeHtml(type)} chart]</span></div>`;
    }
    case 'form':
      return `<div class="lk-box" data-lk-form="${escapeHtml(String(v.name ?? ''))}">${els(v.elements)}</div>`;
    case 'interactive_container':
      return `<div class="lk-box">${els(v.elements)}</div>`;
    default:
      return `<div class="lk-unknown">[${escapeHtml(String(v.tag ?? 'element'))}]</div>`;
  }
}

function elements(list: unknown, lang: CardLang, depth: number): string {
  return (Array.isArray(list) ? list : []).map((e) => element(e, lang, depth)).join('');
}

function header(h: unknown, lang: CardLang): string {
  if (!isNode(h)) return '';
  const colour = pickClass(HEADER_COLOURS, h.template, 'default');
  const tags = (Array.isArray(h.text_tag_list) ? h.text_tag_list.filter(isNode) : [])
    .map((t) => `<span class="lk-tag lk-tag-${pickClass(TAG_COLOURS, t.color, 'neutral')}">${plainToHtml(textOf(t.text, lang))}</span>`)
    .join('');
  const subtitle = textOf(h.subtitle, lang);
  return `<div class="lk-head lk-head-${colour}" data-template="${escapeHtml(colour)}">`
    + `<div class="lk-title-row"><div class="lk-title">${plainToHtml(textOf(h.title, lang))}</div>${tags ? `<div class="lk-tags">${tags}</div>` : ''}</div>`
    + (subtitle ? `<div class="lk-subtitle">${plainToHtml(subtitle)}</div>` : '')
    + '</div>';
}

/** The card as one `<div class="lk-card">`; safe to insert into a page as HTML. */
export function cardToHtml(card: unknown, opts: CardHtmlOptions = {}): string {
  const lang = opts.lang ?? 'en_us';
  if (!isNode(card)) return '<div class="lk-card"><div class="lk-body"><div class="lk-unknown">[not a card]</div></div></div>';
  if (card.type === 'template') {
    const id = isNode(card.data) ? card.data.template_id : '';
    return `<div class="lk-card"><div class="lk-body"><div class="lk-unknown">[card template ${escapeHtml(id)}]</div></div></div>`;
  }
  const body = isNode(card.body) ? card.body.elements : card.elements; // 2.0 : 1.0
  return `<div class="lk-card">${header(card.header, lang)}<div class="lk-body">${elements(body, lang, 0)}</div></div>`;
}

/** One line for a chat list: the card's `config.summary`, else its title. */
export function cardSummary(card: unknown, lang: CardLang = 'en_us'): string {
  if (!isNode(card)) return '[card]';
  const summary = isNode(card.config) ? textOf(card.config.summary, lang) : '';
  return summary || (isNode(card.header) ? textOf(card.header.title, lang) : '') || '[card]';
}
