import { badInput } from './errors.ts';

/** How one text field of the API is checked: the one place its rules live. */
export interface TextRule {
  /** The field named in BAD_USER_INPUT (`extensions.field`). */
  field: string;
  /** Its name in messages ("Title"). */
  label: string;
  /** Characters (code points) allowed, after normalization and trimming. */
  max: number;
  /** Characters required (default 0). */
  min?: number;
  /** Lines allowed (tab and newlines); otherwise every control character is refused. */
  multiline?: boolean;
  /** Must contain a visible character: a letter, digit, punctuation or symbol. */
  visible?: boolean;
  /** Leading and trailing white space kept (default: trimmed). */
  keepSpace?: boolean;
  /** A format the whole value must match, with the message that explains it. */
  pattern?: { regex: RegExp; message: string };
}

// C0 and C1 controls and DEL, NUL included; lines keep \t, \n and \r.
const CONTROL = /[\p{Cc}]/u;
const CONTROL_BUT_LINES = /(?![\t\n\r])\p{Cc}/u;
// In unicode mode a surrogate pair is one code point: whatever matches here is alone.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
// Zero-width and other invisible characters alone do not make a name or title.
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;
// Letters and symbols by category that render as blank (Hangul fillers, the blank Braille cell).
const BLANK_GLYPHS = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;

/**
 * Unicode NFC, no control characters (NUL included) nor broken surrogates, a length limit,
 * and for names and titles a visible character: each problem is BAD_USER_INPUT naming the field.
 * Returns the value as it is stored.
 */
export function cleanText(value: string, rule: TextRule): string {
  // Checked before normalizing, so a huge value costs nothing more.
  if (value.length > rule.max * 4)
    throw badInput(rule.field, `${rule.label} must be at most ${rule.max} characters`);
  if (LONE_SURROGATE.test(value)) throw badInput(rule.field, `${rule.label} contains broken Unicode`);
  if ((rule.multiline ? CONTROL_BUT_LINES : CONTROL).test(value))
    throw badInput(rule.field, `${rule.label} must not contain control characters`);
  const normalized = value.normalize('NFC');
  const text = rule.keepSpace ? normalized : normalized.trim();
  const length = [...text].length;
  const min = rule.min ?? 0;
  if (length < min || length > rule.max)
    throw badInput(
      rule.field,
      min > 0
        ? `${rule.label} must be ${min}–${rule.max} characters`
        : `${rule.label} must be at most ${rule.max} characters`,
    );
  if (rule.visible && length > 0 && !VISIBLE.test(text.replace(BLANK_GLYPHS, '')))
    throw badInput(rule.field, `${rule.label} must contain a visible character`);
  if (rule.pattern && !rule.pattern.regex.test(text)) throw badInput(rule.field, rule.pattern.message);
  return text;
}
