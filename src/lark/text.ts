// The one escaping function for Lark text messages (msg_type "text"). A text message turns
// `<at user_id="…">` into a mention (`user_id="all"` pings the whole group), autolinks URLs and
// domains, and reads `[label](url)` as a link (docs/lark-notes.md §9). Hark's text
// replies carry no links of their own (links travel on cards), so every one in a text is defused.
// SdkLarkApi.sendText and replyText pass every text through here, whatever its origin: command
// echoes, people's names, group names.

const ZWSP = '\u200b';

/** C0/C1 controls (except \n and \t) and bidi overrides/isolates that can make text read backwards. */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

export function larkText(s: string): string {
  return (
    String(s ?? '')
      .replace(INVISIBLE, '')
      // No tag can start: `<at …>`, `<a href>`, anything else Lark might read as markup.
      .replace(/</g, `<${ZWSP}`)
      // No scheme link (https://, lark://, mailto:) and no markdown link `[x](y)`.
      .replace(/\b(https?|ftp|file|mailto|tel|sms|lark|feishu|javascript|data|applink):/gi, `$1${ZWSP}:`)
      .replace(/\]\(/g, `]${ZWSP}(`)
      // No bare domain or e-mail to autolink: a dot between letters gets a zero-width space.
      .replace(/([\p{L}\p{N}])\.(?=\p{L}{2})/gu, `$1${ZWSP}.`)
  );
}
