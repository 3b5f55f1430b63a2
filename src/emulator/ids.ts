// Identifier shapes follow real Lark prefixes (docs/lark-notes.md §2, §3): ou_/on_ users, oc_ chats,
// om_ messages, t-/u- tokens, c- card update tokens.
import { createHash, randomBytes } from 'node:crypto';

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

export const newOpenId = (): string => `ou_${hex(16)}`;
export const newUnionId = (): string => `on_${hex(16)}`;
export const newUserId = (): string => hex(4);
export const newChatId = (): string => `oc_${hex(16)}`;
export const newMessageId = (): string => `om_${hex(16)}`;
export const newEventId = (): string => hex(16);
export const newTenantToken = (): string => `t-${hex(20)}`;
export const newUserToken = (): string => `u-${hex(24)}`;
export const newRefreshToken = (): string => `ur-${hex(24)}`;
export const newCardToken = (): string => `c-${hex(20)}`;
/** OAuth codes: charset [A-Za-z0-9-_], ≥ 64 chars reserved by clients (docs/lark-notes.md §5.1). */
export const newAuthCode = (): string => randomBytes(32).toString('base64url');
export const newUuid = (): string => {
  const h = hex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** Deterministic ids derived from the app id, so the bot keeps its open_id across restarts. */
export function stableId(prefix: string, seed: string): string {
  return prefix + createHash('sha256').update(seed).digest('hex').slice(0, 32);
}
