/**
 * Character tests by UTF-16 code, for readers that walk text without regular expressions. Each
 * says which expression it stands for, so a reader and its expression agree.
 */

/**
 * True for the characters that `\s` matches and `String.prototype.trim` removes: ECMAScript white
 * space and line terminators.
 */
export function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 160) return false;
  return (
    code === 160 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** `[0-9]`. */
export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `[A-Za-z]`. */
export function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** A word character of `\w` and `\b`: `[A-Za-z0-9_]`. */
export function isWordCode(code: number): boolean {
  return isAsciiLetter(code) || isDigit(code) || code === 95;
}

/** A character of a JavaScript-like identifier, `[\w$]`. */
export function isIdentifierCode(code: number): boolean {
  return isWordCode(code) || code === 36;
}
