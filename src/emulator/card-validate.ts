import { validateCharts } from './card-chart.ts';

// Content checks Lark performs on send/reply/patch (docs/lark-notes.md §2.1, §7): stringified JSON content,
// size limits, and the JSON 2.0 card rules that most often bite (230099 with sub-codes in msg).

export interface ContentError {
  code: number;
  msg: string;
}

const MSG_TYPES = new Set(['text', 'post', 'image', 'file', 'audio', 'media', 'sticker', 'interactive',
  'share_chat', 'share_user', 'system']);
const CARD_LIMIT = 30 * 1024;
const TEXT_LIMIT = 150 * 1024;
const MAX_COMPONENTS = 200;

const cardError = (sub: number, detail: string): ContentError => ({
  code: 230099,
  msg: `Failed to create card content, ext=ErrCode: ${sub}; ErrMsg: ${detail}`,
});

export function validateContent(msgType: unknown, content: unknown): ContentError | undefined {
  if (typeof msgType !== 'string' || !MSG_TYPES.has(msgType)) {
    return { code: 230001, msg: 'Your request contains an invalid request parameter, ext=invalid msg_type' };
  }
  if (typeof content !== 'string' || content === '') {
    return { code: 230001, msg: 'Your request contains an invalid request parameter, ext=content is required' };
  }
  const size = Buffer.byteLength(content, 'utf8');
  if (msgType === 'interactive' && size > CARD_LIMIT) return cardError(11310, `card content exceeds 30 KB (${size} bytes)`);
  if (msgType === 'post' && size > CARD_LIMIT) return { code: 230025, msg: 'The message content is too long (post ≤ 30 KB)' };
  if (msgType === 'text' && size > TEXT_LIMIT) return { code: 230025, msg: 'The message content is too long (text ≤ 150 KB)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    if (msgType === 'interactive') return cardError(200621, 'parse card json err, please check whether the card json is correct');
    return { code: 230001, msg: 'Your request contains an invalid request parameter, ext=content is not valid JSON' };
  }
  if (msgType === 'text') {
    if (!isObject(parsed) || typeof parsed.text !== 'string') {
      return { code: 230001, msg: 'Your request contains an invalid request parameter, ext=text content needs {"text":"…"}' };
    }
    return undefined;
  }
  if (msgType === 'interactive') return validateCard(parsed);
  return undefined;
}

export function validateCard(card: unknown): ContentError | undefined {
  if (!isObject(card)) return cardError(200621, 'card must be a JSON object');
  if (card.type === 'template') {
    const data = card.data;
    if (!isObject(data) || typeof data.template_id !== 'string') return cardError(200621, 'template card needs data.template_id');
    return undefined;
  }
  if (card.schema === '2.0') {
    const body = card.body;
    if (!isObject(body) || !Array.isArray(body.elements)) {
      return cardError(200621, 'JSON 2.0 card needs body.elements');
    }
    if ('elements' in card || 'i18n_elements' in card || 'fallback' in card) {
      return cardError(200861, 'top-level elements/i18n_elements/fallback are not supported in JSON 2.0');
    }
    let count = 0;
    let badTag: string | undefined;
    walk(body.elements, (node) => {
      count++;
      if (node.tag === 'action') badTag ??= String(node.tag);
    });
    if (badTag) return cardError(200861, `unsupported tag ${badTag} in JSON 2.0, use the 2.0 components instead`);
    if (count > MAX_COMPONENTS) return cardError(11310, `element exceeds the limit (${count} > ${MAX_COMPONENTS})`);
    return validateCharts(body.elements);
  }
  // JSON 1.0: elements (or i18n_elements) at the top level.
  if (card.elements !== undefined && !Array.isArray(card.elements)) return cardError(200621, 'elements must be an array');
  return undefined;
}

/** PATCH needs a shared card before and after (docs/lark-notes.md §2.3); JSON 2.0 cards are always shared. */
export function isSharedCard(content: string): boolean {
  let card: unknown;
  try {
    card = JSON.parse(content);
  } catch {
    return false;
  }
  if (!isObject(card)) return false;
  if (card.type === 'template' || card.schema === '2.0') return true;
  return isObject(card.config) && card.config.update_multi === true;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(v: unknown, visit: (node: Record<string, any>) => void): void {
  if (Array.isArray(v)) {
    for (const x of v) walk(x, visit);
    return;
  }
  if (!isObject(v)) return;
  if (typeof v.tag === 'string') visit(v);
  for (const val of Object.values(v)) if (typeof val === 'object' && val !== null) walk(val, visit);
}
