/**
 * Characters a terminal acts on or that hide or reorder what is shown: C0 controls but tab
 * and newline (ESC starts CSI and OSC sequences, OSC 52 writes the clipboard; CR overwrites a
 * line), DEL, C1 controls (U+009B is a one-character CSI), the Unicode bidi controls (Trojan
 * Source: U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), zero-width and invisible
 * formatting marks, and the line and paragraph separators.
 */
const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is found
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** A colour (SGR) sequence, as picocolors writes them: kept only where colours are on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the sequence
const SGR = /\u001b\[[0-9;]{0,16}m/;

const TERMINAL = new RegExp(`(${SGR.source})|${UNPRINTABLE.source}`, "gu");
const ONE_LINE = new RegExp(`[\\n\\t]|${UNPRINTABLE.source}`, "gu");
const JSON_UNSAFE = new RegExp(
  UNPRINTABLE.source.replace("\\u0000-\\u0008\\u000b-\\u001f", ""),
  "gu",
);

/** `\x1b`, `\u202e`: a character written as visible text. */
function escaped(character: string): string {
  const code = character.codePointAt(0)!;
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * Text made safe for a terminal: every character of {@link UNPRINTABLE} written as an escape
 * (`\x1b]52;…` shows as text, the clipboard is never touched). Newlines and tabs stay; colour
 * sequences stay only with `colors` (the CLI's own, from picocolors).
 */
export function terminalText(text: string, colors: boolean): string {
  return text.replace(TERMINAL, (match: string, sgr: string | undefined) =>
    sgr !== undefined && colors ? match : [...match].map(escaped).join(""),
  );
}

/**
 * A value a server sent, for one line of human output: {@link terminalText} without colours,
 * and newlines and tabs escaped too, so a value can neither move the cursor nor forge a line.
 */
export function serverValue(value: string): string {
  return value.replace(ONE_LINE, escaped);
}

/**
 * JSON text (from `JSON.stringify`) safe for a terminal: DEL, C1, bidi and invisible marks
 * written as `\uXXXX` escapes, which JSON reads back as the same characters.
 */
export function terminalJson(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}
