// Server-side HTML of the chat view (GET /): the chat list, the messages of one chat (cards drawn
// by card-html.ts), the "who am I" picker and the composer. Everything from the emulator's state
// (names, texts, cards) is untrusted and goes through escapeHtml / cardToHtml.
import { cardSummary, cardToHtml, escapeHtml, type CardLang } from '../card-html/card-html.ts';
import { CHAT_VIEW_CSS, CHAT_VIEW_SCRIPT } from './chat-view-assets.ts';
import { CARD_CSS } from '../card-html/card-css.ts';
import type { EmChat, EmMessage, EmulatorState, EmUser } from './state.ts';

/** Which conversation is open: a chat, or the bot's private chat with a user (maybe not yet created). */
export interface Selection {
  chat?: EmChat;
  /** Set for a private chat: whose chat with the bot it is. */
  dm?: EmUser;
}

export interface PageInput {
  state: EmulatorState;
  sel: Selection;
  me?: EmUser;
  lang: CardLang;
  sampleAlert: boolean;
}

export function findP2p(state: EmulatorState, openId: string): EmChat | undefined {
  for (const c of state.chats.values()) if (c.p2p_open_id === openId) return c;
  return undefined;
}

/** The bot's custom menu in its private chat (Lark shows it above the input box; keys as in the developer console). */
const BOT_MENU_HTML =
  '<div class="bot-menu" id="bot-menu">' +
  [['declare', 'Declare an incident'], ['oncall', 'Who is on call'], ['my_incidents', 'My incidents']]
    .map(([key, label]) => `<button type="button" class="lk-btn lk-btn-small" data-menu-key="${key}">${label}</button>`)
    .join(' ') +
  '</div>';

export function resolveSelection(state: EmulatorState, q: { chat?: string; dm?: string }, me?: EmUser): Selection {
  const chat = q.chat ? state.chats.get(q.chat) : undefined;
  if (chat?.chat_type === 'p2p') return { chat, dm: state.users.get(chat.p2p_open_id ?? '') };
  if (chat) return { chat };
  const dm = q.dm ? state.users.get(q.dm) : undefined;
  if (dm) return { chat: findP2p(state, dm.open_id), dm };
  const groups = [...state.chats.values()].filter((c) => c.chat_type === 'group' && !c.disbanded);
  const mine = me ? groups.find((c) => c.members.has(me.open_id)) : undefined;
  if (mine ?? groups[0]) return { chat: mine ?? groups[0] };
  return me ? { dm: me, chat: findP2p(state, me.open_id) } : {};
}

function parse(content: string): any {
  try {
    return JSON.parse(content);
  } catch {
    return undefined;
  }
}

function initial(name: string): string {
  return escapeHtml(Array.from(name.trim())[0]?.toUpperCase() ?? '?');
}

/** A text message: user mentions (@_user_N placeholders) and bot <at> tags become chips. */
function textHtml(msg: EmMessage, state: EmulatorState): string {
  const text = String(parse(msg.content)?.text ?? msg.content);
  const names = new Map(msg.mentions.map((m) => [m.key, m.name]));
  const re = /@_user_\d+|<at\s+(?:user_id|open_id|id)\s*=\s*"([^"]*)"\s*>([^<]*)<\/at>/g;
  let out = '';
  let last = 0;
  for (const m of text.matchAll(re)) {
    out += escapeHtml(text.slice(last, m.index));
    const who = m[1] !== undefined ? (m[2] || state.users.get(m[1])?.name || m[1]) : names.get(m[0]);
    out += who === undefined ? escapeHtml(m[0]) : `<span class="lk-at">@${escapeHtml(who === 'all' ? 'all' : who)}</span>`;
    last = (m.index ?? 0) + m[0].length;
  }
  out += escapeHtml(text.slice(last));
  return `<div class="bubble">${out.replace(/\n/g, '<br>')}</div>`;
}

export function messagePreview(msg: EmMessage, state: EmulatorState, lang: CardLang): string {
  if (msg.msg_type === 'interactive') return `[Card] ${cardSummary(parse(msg.content), lang)}`;
  if (msg.msg_type === 'text') {
    const names = new Map(msg.mentions.map((m) => [m.key, m.name]));
    return String(parse(msg.content)?.text ?? '').replace(/@_user_\d+/g, (k) => `@${names.get(k) ?? k}`)
      .replace(/<at\s[^>]*>([^<]*)<\/at>/g, '@$1');
  }
  return `[${msg.msg_type}]`;
}

function senderName(msg: EmMessage, state: EmulatorState): string {
  return msg.sender_type === 'app' ? state.bot.name : (state.users.get(msg.sender_id)?.name ?? msg.sender_id);
}

export function messageHtml(msg: EmMessage, state: EmulatorState, lang: CardLang): string {
  const who = senderName(msg, state);
  const parent = msg.parent_id ? state.messages.get(msg.parent_id) : undefined;
  const quote = parent
    ? `<div class="quote">↪ ${escapeHtml(senderName(parent, state))}: ${escapeHtml(messagePreview(parent, state, lang).slice(0, 80))}</div>`
    : '';
  const body = msg.deleted
    ? '<div class="bubble deleted">This message was recalled</div>'
    : msg.msg_type === 'interactive'
      ? cardToHtml(parse(msg.content), { lang })
      : msg.msg_type === 'text' ? textHtml(msg, state) : `<div class="bubble">[${escapeHtml(msg.msg_type)}]</div>`;
  const updated = msg.update_count > 0 ? `<span class="edited" title="updated ${msg.update_count}×">updated</span>` : '';
  const bot = msg.sender_type === 'app' ? '<span class="badge">Bot</span>' : '';
  const buzz = urgentMarks(msg, state);
  return `<div class="msg ${msg.sender_type === 'app' ? 'from-app' : 'from-user'}${msg.msg_type === 'interactive' ? ' is-card' : ''}" data-message-id="${escapeHtml(msg.message_id)}" data-updates="${msg.update_count}">`
    + `<div class="avatar${msg.sender_type === 'app' ? ' avatar-bot' : ''}">${initial(who)}</div>`
    + `<div class="msg-main"><div class="meta"><span class="who">${escapeHtml(who)}</span>${bot}`
    + `<time data-ts="${msg.create_time}">${new Date(msg.create_time).toISOString().slice(11, 16)}</time>${updated}${buzz}`
    + `<button type="button" class="reply-btn" title="Reply">Reply</button></div>`
    + `${quote}<div class="content">${body}</div></div></div>`;
}

const URGENT_MARK = { app: ['🔔', 'buzzed in Lark'], sms: ['✉️', 'urgent SMS'], phone: ['📞', 'phoned'] } as const;

/** A ring/SMS/phone mark per urgent notice kind the message was urged with, naming who received it. */
function urgentMarks(msg: EmMessage, state: EmulatorState): string {
  const got = state.urgentsOf(msg.message_id);
  if (!got.length) return '';
  return (['app', 'sms', 'phone'] as const)
    .map((kind) => {
      const who = [...new Set(got.filter((u) => u.kind === kind).map((u) => state.users.get(u.open_id)?.name ?? u.open_id))];
      if (!who.length) return '';
      const [icon, label] = URGENT_MARK[kind];
      return `<span class="urgent urgent-${kind}" title="${escapeHtml(`${label}: ${who.join(', ')}`)}">${icon} ${label}</span>`;
    })
    .join('');
}

export function messagesHtml(sel: Selection, state: EmulatorState, lang: CardLang): string {
  const list = sel.chat ? state.messagesInChat(sel.chat.chat_id) : [];
  if (!list.length) return '<div class="empty">No messages yet.</div>';
  return list.map((m) => messageHtml(m, state, lang)).join('');
}

/** The chat's pinned messages, drawn above the conversation (newest pin first), as Lark shows them. */
export function pinsHtml(sel: Selection, state: EmulatorState, lang: CardLang): string {
  const pins = sel.chat?.pins ?? [];
  const items = pins.map((p) => state.messages.get(p.message_id)).filter((m): m is EmMessage => m !== undefined && !m.deleted);
  if (!items.length) return '';
  const label = `Pinned · ${escapeHtml(messagePreview(items[0], state, lang).slice(0, 90))}${items.length > 1 ? ` (+${items.length - 1})` : ''}`;
  return `<details class="pins-box" open><summary class="pins-label">${label}</summary>${items.map((m) => messageHtml(m, state, lang)).join('')}</details>`;
}

function lastPreview(chat: EmChat | undefined, state: EmulatorState, lang: CardLang): string {
  const msgs = chat ? state.messagesInChat(chat.chat_id) : [];
  const last = msgs[msgs.length - 1];
  return last ? messagePreview(last, state, lang) : '';
}

export function sidebarHtml(state: EmulatorState, lang: CardLang): string {
  const groups = [...state.chats.values()].filter((c) => c.chat_type === 'group');
  const item = (attrs: string, href: string, avatar: string, name: string, note: string, preview: string, extra = '') =>
    `<a class="chat-item${extra}" ${attrs} href="${href}"><span class="avatar">${avatar}</span>`
    + `<span class="chat-text"><span class="chat-name">${escapeHtml(name)}${note}</span>`
    + `<span class="preview">${escapeHtml(preview.slice(0, 90))}</span></span></a>`;
  const groupItems = groups.map((c) => {
    const note = c.disbanded ? ' <em>(disbanded)</em>' : c.bot_present ? '' : ' <em>(no bot)</em>';
    const id = escapeHtml(c.chat_id);
    return item(`data-chat-id="${id}"`, `?chat=${encodeURIComponent(c.chat_id)}`, initial(c.name), c.name, note,
      lastPreview(c, state, lang), c.disbanded ? ' disbanded' : '');
  });
  const dmItems = [...state.users.values()].map((u) => {
    const chat = findP2p(state, u.open_id);
    const id = escapeHtml(u.open_id);
    return item(`data-dm="${id}"${chat ? ` data-chat-id="${escapeHtml(chat.chat_id)}"` : ''}`, `?dm=${encodeURIComponent(u.open_id)}`,
      initial(state.bot.name), `${state.bot.name} · ${u.name}`, '', lastPreview(chat, state, lang));
  });
  return `<div class="section">Groups</div>${groupItems.join('') || '<div class="none">No groups yet</div>'}`
    + `<div class="section">Private chats with ${escapeHtml(state.bot.name)}</div>${dmItems.join('') || '<div class="none">No people yet</div>'}`;
}

function chatTitle(sel: Selection, state: EmulatorState): { title: string; sub: string } {
  if (sel.dm) return { title: `${state.bot.name} · ${sel.dm.name}`, sub: `private chat between ${sel.dm.name} and the bot` };
  const c = sel.chat;
  if (!c) return { title: 'No chat yet', sub: 'Create users and a group (POST /__emulator/users, /__emulator/chats), or run hark demo' };
  const names = [...c.members].map((id) => state.users.get(id)?.name ?? id);
  const bot = c.bot_present ? `${state.bot.name} is in this group` : `${state.bot.name} is not in this group`;
  return { title: c.name, sub: `${names.length} members: ${names.join(', ')} · ${bot}` };
}

/** JSON for an inline <script type="application/json">: `<` escaped so no `</script>` can end it. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function renderPage(p: PageInput): string {
  const { state, sel, me, lang } = p;
  const { title, sub } = chatTitle(sel, state);
  const users = [...state.users.values()];
  const options = [`<option value="">— pick who you are —</option>`,
    ...users.map((u) => `<option value="${escapeHtml(u.open_id)}"${u.open_id === me?.open_id ? ' selected' : ''}>${escapeHtml(u.name)}${u.email ? ` (${escapeHtml(u.email)})` : ''}</option>`)];
  const langs = (['en_us', 'zh_cn'] as const).map((l) => `<option value="${l}"${l === lang ? ' selected' : ''}>${l === 'en_us' ? 'English' : '中文'}</option>`);
  const isGroup = sel.chat?.chat_type === 'group';
  const canWrite = Boolean(me) && (isGroup ? !sel.chat!.disbanded : Boolean(sel.dm) && sel.dm!.open_id === me!.open_id);
  const hint = !me ? 'Pick who you are (top right) to write and click buttons'
    : sel.dm && sel.dm.open_id !== me.open_id ? `This is ${sel.dm.name}'s private chat; pick ${sel.dm.name} to write here` : '';
  const cfg = {
    me: me?.open_id ?? null, lang, chatId: sel.chat?.chat_id ?? null, dm: sel.dm?.open_id ?? null,
    botName: state.bot.name,
  };
  return `<!doctype html>
<html lang="${lang === 'zh_cn' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Lark emulator</title>
<style>${CARD_CSS}${CHAT_VIEW_CSS}</style></head>
<body>
<header class="top"><div class="brand">Lark emulator <span class="live" id="live" data-live="off" title="live updates">●</span></div>
${p.sampleAlert ? '<button type="button" id="sample-alert" class="lk-btn lk-btn-primary_filled lk-btn-small">Fire a sample alert</button>' : ''}
<label class="pick">You are <select id="who">${options.join('')}</select></label>
<label class="pick">Card language <select id="lang">${langs.join('')}</select></label></header>
<div class="app"><nav id="chats" class="chats">${sidebarHtml(state, lang)}</nav>
<main class="pane"><div class="pane-head"><div class="pane-title" id="pane-title">${escapeHtml(title)}</div><div class="pane-sub">${escapeHtml(sub)}</div></div>
<div id="pins" class="pins"${sel.chat?.pins.length ? '' : ' hidden'}>${pinsHtml(sel, state, lang)}</div>
<div id="messages" class="messages">${messagesHtml(sel, state, lang)}</div>
${!isGroup && canWrite ? BOT_MENU_HTML : ''}<form id="composer" class="composer"${canWrite ? '' : ' data-disabled="1"'}>
<div id="replying" class="replying" hidden><span></span><button type="button" id="cancel-reply" title="Cancel reply">×</button></div>
<div class="compose-row">${isGroup ? `<label class="mention"><input type="checkbox" id="mention" checked> @${escapeHtml(state.bot.name)}</label>` : ''}
<input id="text" autocomplete="off" placeholder="${escapeHtml(hint || (isGroup ? `Message ${sel.chat!.name}` : `Message ${state.bot.name}`))}"${canWrite ? '' : ' disabled'}>
<button type="submit" class="lk-btn lk-btn-primary_filled"${canWrite ? '' : ' disabled'}>Send</button></div></form></main></div>
<div id="toasts" class="toasts" aria-live="polite"></div>
<dialog id="confirm"><p id="confirm-text"></p><form method="dialog"><button value="cancel" class="lk-btn">Cancel</button> <button value="ok" class="lk-btn lk-btn-primary_filled" id="confirm-ok">Confirm</button></form></dialog>
<script type="application/json" id="emu-cfg">${scriptJson(cfg)}</script>
<script src="/__emulator/assets/vchart.js"></script>
<script>${CHAT_VIEW_SCRIPT}</script>
</body></html>`;
}
