// Structural checks of a rendered card against the limits Lark enforces when a card is sent or
// patched (docs/lark-notes.md §2.1, §6, §7):
// - JSON 2.0 needs `"schema": "2.0"` and `body.elements`; the 1.0 `{"tag":"action"}` module and
//   global `elements`/`i18n_elements` are rejected (error 200861).
// - "卡片 JSON 2.0 结构中，一张卡片最多支持 200 个元素（如 tag 为 plain_text 的文本元素）或组件"
//   (Feishu doc card-json-v2-structure) → error 11310. We count every object with a `tag`.
// - message content of a card ≤ 30 KB (im/v1/messages create). We count the UTF-8 bytes of the
//   compact JSON and stay under 30 000 to leave room for the envelope.
// - JSON 2.0 cards are shared cards: `config.update_multi` may only be true.

import type { CardTally } from './localize.ts';

export const MAX_CARD_BYTES = 30_000;
export const MAX_CARD_COMPONENTS = 200;

export interface CardCheck {
  ok: boolean;
  errors: string[];
  bytes: number;
  components: number;
}

/** Number of components/elements Lark counts: every object carrying a `tag`. */
export function countComponents(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n: number, v) => n + countComponents(v), 0);
  if (node === null || typeof node !== 'object') return 0;
  let n = typeof (node as Record<string, unknown>).tag === 'string' ? 1 : 0;
  for (const v of Object.values(node)) n += countComponents(v);
  return n;
}

export function cardBytes(card: unknown): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

function walkTags(node: unknown, tally: { components: number; action: boolean }): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const v of node) walkTags(v, tally);
    return;
  }
  const tag = (node as Record<string, unknown>).tag;
  if (typeof tag === 'string') {
    tally.components++;
    if (tag === 'action') tally.action = true;
  }
  for (const k in node) if (Object.hasOwn(node, k)) walkTags((node as Record<string, unknown>)[k], tally);
}

function findTag(node: unknown, tag: string, path: string, out: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((v, i) => findTag(v, tag, `${path}[${i}]`, out));
  } else if (node !== null && typeof node === 'object') {
    if ((node as Record<string, unknown>).tag === tag) out.push(path);
    for (const [k, v] of Object.entries(node)) findTag(v, tag, `${path}.${k}`, out);
  }
}

/** Checks a card; never throws. `ok` is false with human-readable `errors` when it would be refused. */
export function validateCard(card: unknown): CardCheck {
  const errors: string[] = [];
  const c = (card ?? {}) as Record<string, unknown>;
  if (card === null || typeof card !== 'object' || Array.isArray(card)) {
    return { ok: false, errors: ['card must be an object'], bytes: 0, components: 0 };
  }
  if (c.schema !== '2.0') errors.push('schema must be "2.0"');
  const body = c.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || !Array.isArray(body.elements)) {
    errors.push('body.elements must be an array');
  }
  if ('elements' in c || 'i18n_elements' in c) errors.push('1.0 top-level elements/i18n_elements are not allowed in 2.0');
  const config = c.config as Record<string, unknown> | undefined;
  if (config && 'update_multi' in config && config.update_multi !== true) {
    errors.push('config.update_multi must be true in JSON 2.0');
  }
  // One walk counts the components and spots the 1.0 action module; the paths are only spelled out
  // when there is one (every card is checked on the click path, so this stays cheap).
  const tally = { components: 0, action: false };
  walkTags(card, tally);
  if (tally.action) {
    const actions: string[] = [];
    findTag(card, 'action', '$', actions);
    for (const p of actions) errors.push(`${p}: the 1.0 {"tag":"action"} module is not supported in 2.0`);
  }
  const bytes = cardBytes(card);
  if (bytes > MAX_CARD_BYTES) errors.push(`card is ${bytes} bytes; the limit is ${MAX_CARD_BYTES}`);
  const components = tally.components;
  if (components > MAX_CARD_COMPONENTS) {
    errors.push(`card has ${components} components; the limit is ${MAX_CARD_COMPONENTS}`);
  }
  return { ok: errors.length === 0, errors, bytes, components };
}

/**
 * True when `validateCard(card)` would pass, decided without serializing the card (renderers check
 * every card they make, one on every card click) from a tally of it (localize.ts fills one while it
 * builds the card): its component count, and an upper bound of its JSON's UTF-8 size, 6 bytes per
 * UTF-16 unit of every string and key (a `\u001f` escape is the worst case) plus punctuation and 24
 * per number. Only a card over that bound is serialized to be measured exactly; false sends the
 * caller to validateCard for the errors.
 */
export function fitsByTally(card: unknown, tally: CardTally): boolean {
  if (card === null || typeof card !== 'object' || Array.isArray(card)) return false;
  const c = card as Record<string, unknown>;
  const body = c.body as Record<string, unknown> | undefined;
  if (c.schema !== '2.0' || !body || typeof body !== 'object' || !Array.isArray(body.elements)) return false;
  if ('elements' in c || 'i18n_elements' in c) return false;
  const config = c.config as Record<string, unknown> | undefined;
  if (config && 'update_multi' in config && config.update_multi !== true) return false;
  if (tally.action || tally.components > MAX_CARD_COMPONENTS) return false;
  return tally.bound <= MAX_CARD_BYTES || cardBytes(card) <= MAX_CARD_BYTES;
}

/** Throws with every problem listed when `validateCard` fails. */
export function assertValidCard(card: unknown): void {
  const check = validateCard(card);
  if (!check.ok) throw new Error(`invalid card: ${check.errors.join('; ')}`);
}
