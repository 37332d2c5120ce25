/**
 * Characters that break or disguise a line of text in a terminal, a log or a table: controls
 * (newline, tab, escape), format characters (bidi overrides such as U+202E, zero-width spaces,
 * word joiners, byte-order marks) and line/paragraph separators. The zero-width (non-)joiners
 * U+200C/U+200D are allowed in free text: scripts and emoji sequences need them, and they
 * neither reorder nor hide anything.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const JOINERS = new Set(['\u200C', '\u200D']);

/** `U+202E`, `U+1D173`. */
export function codePointName(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first character of `text` that may not be in free text (undefined when there is none). */
export function firstUnsafeCharacter(text: string, options: { joinersAllowed: boolean }): string | undefined {
  for (const [character] of text.matchAll(UNSAFE)) {
    if (!(options.joinersAllowed && JOINERS.has(character))) return codePointName(character);
  }
  return undefined;
}

/** `text` with every unsafe character (joiners kept) shown as `\uXXXX` / `\u{XXXXX}`, for printing data stored before it was refused. */
export function escapeUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE, (character) => {
    if (JOINERS.has(character)) return character;
    const code = character.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16).toUpperCase()}}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

/** Length in Unicode code points, as limits on free text are documented (an emoji is one, not two). */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
