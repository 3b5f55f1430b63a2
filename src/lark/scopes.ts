// The permission scopes Hark needs, and where in the developer console an operator grants them
// (docs/lark-notes.md §15). `hark doctor` checks them one by one.

export interface RequiredScope {
  readonly scope: string;
  /** What stops working without it, in an operator's words. */
  readonly why: string;
}

export const REQUIRED_SCOPES: readonly RequiredScope[] = [
  { scope: 'im:chat', why: 'learn the groups the bot is in' },
  { scope: 'im:message', why: 'post and update incident cards' },
  { scope: 'im:message.p2p_msg:readonly', why: 'receive private messages to the bot' },
  { scope: 'im:message.group_at_msg:readonly', why: 'receive @Hark commands in groups' },
];

/**
 * Scopes a feature needs, not Hark as a whole: without them `hark doctor` warns and says which
 * feature is off (Lark refuses the call with 99991672 and the timeline says so; nothing else stops).
 */
export const FEATURE_SCOPES: readonly RequiredScope[] = [
  { scope: 'im:message.urgent', why: 'buzz people in Lark (escalation levels with urgent: app)' },
  { scope: 'im:message.urgent:sms', why: 'have Lark text people (urgent: sms)' },
  { scope: 'im:message.urgent:phone', why: 'have Lark phone people (urgent: phone)' },
  { scope: 'im:message.pins:write_only', why: "pin the incident's card in its war room" },
  { scope: 'im:datasync.feed_card.time_sensitive:write', why: "keep the bot's chat at the top of a paged person's Lark list (issue 25)" },
];

/** The developer console's base for an Open Platform domain (the emulator serves its own). */
export function consoleBase(domain: string): string {
  if (domain === 'https://open.feishu.cn' || domain === 'https://open.larksuite.com') return domain;
  return domain.replace(/\/+$/, '');
}

/** The app's "Permissions & Scopes" page, searching for the given scopes (as Lark's 99991672 errors link it). */
export function scopesPage(domain: string, appId: string, scopes: readonly string[]): string {
  const q = encodeURIComponent(scopes.join(',')).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
  return `${consoleBase(domain)}/app/${appId}/auth?q=${q}&op_from=openapi&token_type=tenant`;
}

/** The app's page in the developer console (Credentials & Basic Info, Features, Events & Callbacks). */
export function appPage(domain: string, appId: string): string {
  return `${consoleBase(domain)}/app/${appId}`;
}
