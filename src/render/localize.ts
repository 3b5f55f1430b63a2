// Turns a rendered template into a card for one language or for both.
//
// Templates write every translatable text the way Lark's local i18n does, as
// `{"tag": "plain_text" | "markdown", "i18n_content": {"en_us": "…", "zh_cn": "…"}}` (Feishu doc
// "配置卡片多语言": `content` ↔ `i18n_content` for plain_text, lark_md and markdown; JSON 2.0 only
// supports this per-element form). Language-neutral texts (an incident title) use `content`.
//
// - lang 'both': `content` becomes the English text (Lark falls back to `content` for client
//   languages missing from `i18n_content`), `i18n_content` is kept.
// - lang 'en_us' | 'zh_cn': `content` becomes that language's text and `i18n_content` is dropped.
// We do not set `config.locales`: it restricts which languages the card shows at all, whereas the
// `content` fallback serves readers in any other language.
//
// The same pass neutralizes `<at …>` in every markdown text (see escape.ts `neutralizeMentions`).
import { neutralizeMentions } from './escape.ts';
import type { Lang } from './types.ts';

const MARKDOWN_TAGS = new Set(['markdown', 'lark_md']);

function pick(i18n: Record<string, unknown>, lang: 'en_us' | 'zh_cn'): string {
  const v = i18n[lang] ?? i18n.en_us ?? i18n.zh_cn ?? Object.values(i18n)[0] ?? '';
  return String(v);
}

/**
 * What `localize` saw of the card it built, in the same walk (a card click renders a card, and a
 * walk of its own for each of these cost as much as the localizing): the components Lark counts
 * (objects with a `tag`), whether a 1.0 `action` module is among them, an upper bound of the
 * card's JSON size in UTF-8 (see validate.ts `fitsByTally`).
 */
export interface CardTally {
  components: number;
  action: boolean;
  bound: number;
}

export const newTally = (): CardTally => ({ components: 0, action: false, bound: 0 });

/** JSON bytes of a string at most: 6 per UTF-16 unit (`\u001f`), plus the quotes. */
const strBound = (s: string) => 6 * s.length + 2;

export function localize<T>(node: T, lang: Lang, tally: CardTally = newTally()): T {
  if (node === null || typeof node !== 'object') {
    if (typeof node === 'string') tally.bound += strBound(node);
    else tally.bound += 24;
    return node;
  }
  tally.bound += 2;
  if (Array.isArray(node)) {
    const list = new Array<unknown>(node.length);
    for (let i = 0; i < node.length; i++) {
      tally.bound += 1;
      list[i] = localize(node[i], lang, tally);
    }
    return list as T;
  }
  const src = node as Record<string, unknown>;
  const i18n = src.i18n_content;
  const texts = i18n && typeof i18n === 'object' && !Array.isArray(i18n) ? (i18n as Record<string, unknown>) : null;
  const tag = src.tag;
  const markdown = MARKDOWN_TAGS.has(String(tag));
  if (typeof tag === 'string') {
    tally.components++;
    if (tag === 'action') tally.action = true;
  }
  const out: Record<string, unknown> = {};
  for (const k in src) {
    if (!Object.hasOwn(src, k)) continue;
    if (texts && k === 'content') continue;
    if (texts && k === 'i18n_content') {
      const content = pick(texts, lang === 'both' ? 'en_us' : lang);
      out.content = markdown ? neutralizeMentions(content) : content;
      tally.bound += 11 + strBound(out.content as string);
      if (lang === 'both') {
        const all: Record<string, string> = {};
        tally.bound += 18 + 2;
        for (const l in texts) {
          if (!Object.hasOwn(texts, l)) continue;
          all[l] = markdown ? neutralizeMentions(String(texts[l])) : String(texts[l]);
          tally.bound += strBound(l) + 2 + strBound(all[l]);
        }
        out.i18n_content = all;
      }
      continue;
    }
    tally.bound += strBound(k) + 2;
    const v = localize(src[k], lang, tally);
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
    else out[k] = v;
  }
  if (markdown && !texts && typeof out.content === 'string') {
    const before = out.content;
    out.content = neutralizeMentions(before);
    tally.bound += strBound(out.content as string) - strBound(before);
  }
  return out as T;
}
