/**
 * The syntax of `matches` regular expressions: the part of RE2's syntax (Consul's filters use
 * Go's regexp, which is RE2) that a linear-time matcher can run. Backreferences and
 * lookaround are refused, as RE2 refuses them: they are what makes backtracking engines
 * exponential. Parsed into a small tree for ./filter-regex.ts to compile.
 *
 * Pure: no Node APIs.
 */

/** One code point test (already case-folded when the pattern is case-insensitive). */
export type CharTest = (cp: number) => boolean;

/** Zero-width assertions. */
export type Assertion = "bol" | "eol" | "bot" | "eot" | "word" | "notword";

/** The parsed pattern. */
export type RegexNode =
  | { readonly kind: "char"; readonly test: CharTest }
  | { readonly kind: "seq"; readonly items: readonly RegexNode[] }
  | { readonly kind: "alt"; readonly alternatives: readonly RegexNode[] }
  | { readonly kind: "repeat"; readonly node: RegexNode; readonly min: number; readonly max: number }
  | { readonly kind: "assert"; readonly assertion: Assertion };

/** Flags of a leading `(?ims)`. */
export interface RegexFlags {
  readonly ignoreCase: boolean;
  readonly dotAll: boolean;
  readonly multiline: boolean;
}

/** A pattern Shoal cannot (or, for safety, will not) run; the message names the problem. */
export class RegexSyntaxError extends Error {}

/** RE2's largest repetition count. */
const MAX_REPEAT = 1000;

const isDigit: CharTest = (cp) => cp >= 0x30 && cp <= 0x39;
const isWordChar: CharTest = (cp) =>
  isDigit(cp) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
// RE2's \s is ASCII [\t\n\f\r ].
const isSpace: CharTest = (cp) => cp === 0x09 || cp === 0x0a || cp === 0x0c || cp === 0x0d || cp === 0x20;

/** True for the characters of `\w`. */
export function isWordCodePoint(cp: number): boolean {
  return isWordChar(cp);
}

function asciiClass(pattern: RegExp): CharTest {
  // A single-character test of a fixed class cannot backtrack.
  return (cp) => cp < 0x80 && pattern.test(String.fromCharCode(cp));
}

const POSIX: Readonly<Record<string, CharTest>> = {
  alnum: asciiClass(/[0-9A-Za-z]/),
  alpha: asciiClass(/[A-Za-z]/),
  ascii: (cp) => cp < 0x80,
  blank: (cp) => cp === 0x20 || cp === 0x09,
  cntrl: (cp) => cp < 0x20 || cp === 0x7f,
  digit: isDigit,
  graph: (cp) => cp > 0x20 && cp < 0x7f,
  lower: asciiClass(/[a-z]/),
  print: (cp) => cp >= 0x20 && cp < 0x7f,
  punct: asciiClass(/[!-/:-@[-`{-~]/),
  space: asciiClass(/[\t\n\v\f\r ]/),
  upper: asciiClass(/[A-Z]/),
  word: isWordChar,
  xdigit: asciiClass(/[0-9A-Fa-f]/),
};

const not =
  (test: CharTest): CharTest =>
  (cp) =>
    !test(cp);

function fold(test: CharTest): CharTest {
  return (cp) => {
    if (test(cp)) return true;
    const text = String.fromCodePoint(cp);
    const lower = text.toLowerCase().codePointAt(0) ?? cp;
    const upper = text.toUpperCase().codePointAt(0) ?? cp;
    return test(lower) || test(upper);
  };
}

/** Parses `source` (without its leading flags group). */
export function parseRegex(source: string, flags: RegexFlags): RegexNode {
  return new Parser(source, flags).parse();
}

class Parser {
  private pos = 0;
  private readonly cps: number[];

  constructor(
    source: string,
    private readonly flags: RegexFlags,
  ) {
    this.cps = Array.from(source, (c) => c.codePointAt(0) ?? 0);
  }

  parse(): RegexNode {
    const node = this.alternation();
    if (this.pos < this.cps.length) throw new RegexSyntaxError("unexpected )");
    return node;
  }

  private peek(offset = 0): string {
    const cp = this.cps[this.pos + offset];
    return cp === undefined ? "" : String.fromCodePoint(cp);
  }

  private next(): string {
    const c = this.peek();
    if (c === "") throw new RegexSyntaxError("unexpected end of pattern");
    this.pos++;
    return c;
  }

  private alternation(): RegexNode {
    const alternatives = [this.sequence()];
    while (this.peek() === "|") {
      this.pos++;
      alternatives.push(this.sequence());
    }
    return alternatives.length === 1 ? (alternatives[0] as RegexNode) : { kind: "alt", alternatives };
  }

  private sequence(): RegexNode {
    const items: RegexNode[] = [];
    while (this.peek() !== "" && this.peek() !== "|" && this.peek() !== ")") {
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? (items[0] as RegexNode) : { kind: "seq", items };
  }

  private quantified(node: RegexNode): RegexNode {
    const bounds = this.quantifier();
    if (bounds === undefined) return node;
    if (node.kind === "assert") throw new RegexSyntaxError("missing argument to repetition operator");
    if (this.peek() === "?") this.pos++; // lazy: irrelevant to whether it matches
    if (this.quantifierAhead()) throw new RegexSyntaxError("bad repetition operator (repeated quantifier)");
    return { kind: "repeat", node, min: bounds[0], max: bounds[1] };
  }

  private quantifierAhead(): boolean {
    const c = this.peek();
    return c === "*" || c === "+" || c === "?" || (c === "{" && this.braces() !== undefined);
  }

  private quantifier(): readonly [number, number] | undefined {
    const c = this.peek();
    if (c === "*" || c === "+" || c === "?") {
      this.pos++;
      return c === "*" ? [0, Infinity] : c === "+" ? [1, Infinity] : [0, 1];
    }
    if (c !== "{") return undefined;
    const braces = this.braces();
    if (braces === undefined) return undefined; // RE2: a `{` that is no repetition is a literal
    this.pos += braces.length;
    if (braces.min > MAX_REPEAT || (braces.max !== Infinity && braces.max > MAX_REPEAT)) {
      throw new RegexSyntaxError(`bad repetition operator: counts above ${MAX_REPEAT}`);
    }
    if (braces.max < braces.min) throw new RegexSyntaxError("bad repetition operator: max below min");
    return [braces.min, braces.max];
  }

  private braces(): { min: number; max: number; length: number } | undefined {
    const rest = String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 16));
    const m = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    if (m === null) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
    return { min, max, length: m[0].length };
  }

  private atom(): RegexNode {
    const c = this.next();
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return { kind: "char", test: this.charClass() };
      case ".":
        return this.char(this.flags.dotAll ? () => true : (cp) => cp !== 0x0a);
      case "^":
        return { kind: "assert", assertion: this.flags.multiline ? "bol" : "bot" };
      case "$":
        return { kind: "assert", assertion: this.flags.multiline ? "eol" : "eot" };
      case "\\":
        return this.escape();
      case "*":
      case "+":
      case "?":
        throw new RegexSyntaxError(`missing argument to repetition operator: ${c}`);
      default:
        return this.literal(c);
    }
  }

  private literal(c: string): RegexNode {
    const code = c.codePointAt(0) ?? 0;
    return this.char((cp) => cp === code);
  }

  private char(test: CharTest): RegexNode {
    return { kind: "char", test: this.flags.ignoreCase ? fold(test) : test };
  }

  private group(): RegexNode {
    if (this.peek() === "?") {
      const head = String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 4));
      if (/^\?<?[=!]/.test(head)) {
        throw new RegexSyntaxError("lookahead and lookbehind are not supported (RE2 has none either)");
      }
      const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(
        String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 40)),
      );
      if (named !== null) this.pos += named[0].length;
      else if (this.peek(1) === ":") this.pos += 2;
      else throw new RegexSyntaxError("flags are only supported at the start, as (?i), (?s) or (?m)");
    }
    const node = this.alternation();
    if (this.peek() !== ")") throw new RegexSyntaxError("missing closing )");
    this.pos++;
    return node;
  }

  private escape(): RegexNode {
    const c = this.next();
    switch (c) {
      case "b":
        return { kind: "assert", assertion: "word" };
      case "B":
        return { kind: "assert", assertion: "notword" };
      case "A":
        return { kind: "assert", assertion: "bot" };
      case "z":
        return { kind: "assert", assertion: "eot" };
      default:
        return this.char(this.escapeTest(c));
    }
  }

  /** The character test of an escape (outside or inside a class), after the backslash. */
  private escapeTest(c: string): CharTest {
    switch (c) {
      case "d":
        return isDigit;
      case "D":
        return not(isDigit);
      case "w":
        return isWordChar;
      case "W":
        return not(isWordChar);
      case "s":
        return isSpace;
      case "S":
        return not(isSpace);
      case "n":
        return (cp) => cp === 0x0a;
      case "t":
        return (cp) => cp === 0x09;
      case "r":
        return (cp) => cp === 0x0d;
      case "f":
        return (cp) => cp === 0x0c;
      case "v":
        return (cp) => cp === 0x0b;
      case "x": {
        const code = this.hexEscape();
        return (cp) => cp === code;
      }
      default:
        if (/^[1-9]$/.test(c) || c === "k") {
          throw new RegexSyntaxError("backreferences are not supported (RE2 has none either)");
        }
        if (/^[\p{L}\p{N}]$/u.test(c)) throw new RegexSyntaxError(`invalid escape sequence: \\${c}`);
        return this.literalTest(c);
    }
  }

  private literalTest(c: string): CharTest {
    const code = c.codePointAt(0) ?? 0;
    return (cp) => cp === code;
  }

  private hexEscape(): number {
    const rest = String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 10));
    const m = /^(?:\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{2}))/.exec(rest);
    if (m === null) throw new RegexSyntaxError("invalid escape sequence: \\x");
    this.pos += m[0].length;
    const code = parseInt(m[1] ?? m[2] ?? "", 16);
    if (code > 0x10ffff) throw new RegexSyntaxError("invalid escape sequence: \\x out of range");
    return code;
  }

  private charClass(): CharTest {
    const negated = this.peek() === "^";
    if (negated) this.pos++;
    const tests: CharTest[] = [];
    let first = true;
    while (first || this.peek() !== "]") {
      if (this.peek() === "") throw new RegexSyntaxError("missing closing ]");
      first = false;
      if (this.peek() === "[" && this.peek(1) === ":") {
        tests.push(this.posixClass());
        continue;
      }
      const low = this.classAtom();
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== "" && typeof low === "number") {
        this.pos++;
        const high = this.classAtom();
        if (typeof high !== "number" || high < low)
          throw new RegexSyntaxError("invalid character class range");
        tests.push((cp) => cp >= low && cp <= high);
      } else {
        tests.push(typeof low === "number" ? (cp) => cp === low : low);
      }
    }
    this.pos++; // the closing ]
    const some: CharTest = (cp) => tests.some((t) => t(cp));
    // Fold before negating: (?i)[^a] must refuse "A" too.
    const any = this.flags.ignoreCase ? fold(some) : some;
    return negated ? not(any) : any;
  }

  /** A single code point, or the test of a class escape such as `\d`. */
  private classAtom(): number | CharTest {
    const c = this.next();
    if (c !== "\\") return c.codePointAt(0) ?? 0;
    const e = this.next();
    if ("dDwWsS".includes(e)) return this.escapeTest(e);
    const single = { n: 0x0a, t: 0x09, r: 0x0d, f: 0x0c, v: 0x0b }[e];
    if (single !== undefined) return single;
    if (e === "x") return this.hexEscape();
    if (/^[\p{L}\p{N}]$/u.test(e)) throw new RegexSyntaxError(`invalid escape sequence: \\${e}`);
    return e.codePointAt(0) ?? 0;
  }

  private posixClass(): CharTest {
    const rest = String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 12));
    const m = /^\[:(\^?)([a-z]+):\]/.exec(rest);
    const test = m === null ? undefined : POSIX[m[2] ?? ""];
    if (m === null || test === undefined) throw new RegexSyntaxError("invalid character class range");
    this.pos += m[0].length;
    return m[1] === "^" ? not(test) : test;
  }
}
