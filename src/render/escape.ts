// Escaping of untrusted text (alert titles, labels, annotations, chat and people names) before it
// reaches a card. This is a security property: text from an alert must never become an @-mention
// (`<at id=all></at>` pings a whole group), a link, or formatting.
//
// Lark's rich-text (markdown) component documents HTML numeric entities as its escape mechanism:
// "如果要展示的字符命中了 markdown 语法使用的特殊字符 … 需要对特殊字符进行 HTML 转义 … 转义后的格式为
// `&#实体编号;`" with a table covering < > * ~ - ! / \ [ ] ( ) # : + " ' ` $ _
// (Feishu doc card-json-v2-components/content-components/rich-text, "特殊字符转义说明").
// We escape that set plus & (so an alert cannot smuggle a pre-escaped entity), | { } . @
// (tables, autolinked domains and e-mails), at a cost of a few bytes per escaped character.

/** Characters replaced by `&#N;` in markdown. */
const MD_SPECIAL = /[\\`*_{}[\]()#+\-.!|<>~$:&"'/@]/g;

/** C0/C1 controls (except \n \t, handled separately) and bidi overrides that can spoof text. */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Lark rich-text HTML-like tags; a zero-width space after `<` stops them in plain_text too. */
const LARK_TAG = /<(\/?)(at|a|link|font|person|text_tag|local_datetime|number_tag|raw|br|hr)\b/gi;

const ELLIPSIS = '…';

/** Cuts `s` to at most `max` code points (never splitting a surrogate pair), adding "…". */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  if (chars.length <= max) return s;
  if (max <= 1) return ELLIPSIS;
  return chars.slice(0, max - 1).join('') + ELLIPSIS;
}

/** Removes control and bidi-override characters, keeping line breaks and tabs (the web app's pages use it too). */
export function stripInvisible(s: string): string {
  return s.replace(INVISIBLE, '');
}

/** Removes control and bidi characters; folds line breaks and tabs into single spaces. */
export function oneLine(s: string): string {
  return String(s ?? '')
    .replace(/\r\n?|\n|\t/g, ' ')
    .replace(INVISIBLE, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * Escapes text for a Lark `markdown` / `lark_md` element: the result renders literally, on one
 * line, and cannot form a mention, link, tag, heading, list, emphasis, code or emoji shortcode.
 * Truncate *before* escaping (see `safeText`), so that a cut never splits an entity.
 */
export function md(s: unknown): string {
  return oneLine(String(s ?? '')).replace(MD_SPECIAL, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Cleans text for a `plain_text` element, which Lark does not parse as markdown. As defence in
 * depth, Lark's own tags are broken up with a zero-width space so that they could not be read as
 * tags even if a template put this text in markdown by mistake.
 */
export function plain(s: unknown, { multiline = false } = {}): string {
  let t = String(s ?? '').replace(INVISIBLE, '');
  t = multiline ? t.replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').trim() : oneLine(t);
  return t.replace(LARK_TAG, (_m, slash: string, tag: string) => `<\u200b${slash}${tag}`);
}

/**
 * Returns the URL if it is an absolute http(s) URL, with the characters that could end a markdown
 * link or an HTML attribute percent-encoded; otherwise null (javascript:, data:, lark://, junk).
 */
export function safeUrl(u: unknown): string | null {
  if (typeof u !== 'string' || u.length > 2000) return null;
  let parsed: URL;
  try {
    parsed = new URL(u.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return parsed.href.replace(/[\s'"()<>`\\[\]{}|^]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/**
 * Last line of defence, applied to every markdown content of a rendered card: any `<at …>` left
 * there came from a template, not from `md()` (which never emits `<`). Hark's cards never mention
 * people (mentions are sent as text messages by the notifier), so a mention in a card is always
 * a mistake, and `<at id=all>` in a broadcast card would page a whole group.
 */
export function neutralizeMentions(markdown: string): string {
  return markdown.replace(/<(\/?)at\b/gi, (_m, slash: string) => `&#60;${slash}at`);
}
