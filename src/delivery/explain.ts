import type { LarkApiError } from '../lark/client.ts';

// Lark's refusals in words a person understands (README "Concepts", Timeline); codes from docs/lark-notes.md §2.1–2.3.

export interface Where {
  targetType: string;
  /** Group name or member name; falls back to the id. */
  name: string;
}

export function whereText(w: Where): string {
  return w.targetType === 'chat_id' ? `group ${w.name}` : `${w.name}'s private chat`;
}

/** Why a send or an update was refused, as one sentence fragment. */
export function explainRefusal(err: Pick<LarkApiError, 'code' | 'message' | 'httpStatus'>, w: Where): string {
  const who = w.name;
  switch (err.code) {
    case 230002:
      return `bot is not in group ${who}`;
    case 232009:
      return `group ${who} was disbanded`;
    case 230013:
      return `${who} is outside the app's availability`;
    case 230029:
      return `${who} has left the organisation`;
    case 230053:
      return `${who} has turned off messages from the bot`;
    case 230035:
    case 230018:
      return `the bot may not post in ${whereText(w)} (muted or blocked by the group's settings)`;
    case 230006:
      return "the app's bot capability is turned off in the Lark developer console";
    case 230027:
    case 99991672:
      return `the app lacks a Lark permission: ${err.message}`;
    case 230099:
      return `card rejected by Lark: ${err.message}`;
    case 230025:
      return 'card is larger than Lark allows (30 KB)';
    case 230031:
      return "card is older than Lark's 14-day update window";
    case 230011:
    case 230110:
      return 'the card was withdrawn or deleted in Lark';
    default:
      // LarkApiError messages already read "Lark refused (code): …".
      return err.message;
  }
}
