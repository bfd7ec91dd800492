/**
 * A recursive-descent parser for Consul's filter expressions:
 *
 * ```
 * or     := and ("or" and)*
 * and    := unary ("and" unary)*
 * unary  := "not" unary | "(" or ")" | match
 * match  := selector ("==" | "!=") value
 *         | selector ["not"] ("contains" | "matches") value
 *         | selector "is" ["not"] "empty"
 *         | value ["not"] "in" selector
 * value  := "double-quoted" | `raw` | number | true | false | selector
 * selector := ident ("." segment | "[" string "]")*
 * ```
 *
 * Errors are {@link FilterError}s that name the position; nothing else is thrown.
 *
 * Pure: no Node APIs.
 */
import { InvalidInputError } from "../../errors.js";
import {
  type FilterExpr,
  type FilterValue,
  type MatchOperator,
  type Selector,
  KEYWORDS,
} from "./filter-ast.js";

/** A filter expression that cannot be parsed or evaluated. */
export class FilterError extends InvalidInputError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

type Token =
  | { readonly type: "punct"; readonly text: "(" | ")" | "[" | "]" | "." | "==" | "!="; readonly pos: number }
  | { readonly type: "string"; readonly value: string; readonly pos: number }
  | { readonly type: "number"; readonly value: number; readonly pos: number }
  | { readonly type: "ident"; readonly text: string; readonly pos: number }
  | { readonly type: "end"; readonly pos: number };

const MAX_LENGTH = 4096;
const MAX_DEPTH = 64;

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  a: "\x07",
  v: "\v",
};

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, pos = i): never => {
    throw new FilterError(`filter: ${message} at position ${pos}`, pos);
  };
  while (i < source.length) {
    const c = source[i] ?? "";
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    const previous = tokens[tokens.length - 1];
    if (previous?.type === "punct" && previous.text === ".") {
      // After a dot comes a selector segment, which may start with a digit (`Tags.0`).
      const match = /^[A-Za-z0-9_-]+/.exec(source.slice(i));
      if (match === null) fail("expected a selector segment after '.'");
      const text = match?.[0] ?? "";
      tokens.push({ type: "ident", text, pos: start });
      i += text.length;
      continue;
    }
    if (c === "(" || c === ")" || c === "[" || c === "]" || c === ".") {
      tokens.push({ type: "punct", text: c, pos: start });
      i++;
    } else if (c === "=" || c === "!") {
      if (source[i + 1] !== "=") fail(`unexpected '${c}'`);
      tokens.push({ type: "punct", text: c === "=" ? "==" : "!=", pos: start });
      i += 2;
    } else if (c === '"') {
      let value = "";
      i++;
      for (;;) {
        const d = source[i];
        if (d === undefined) fail("unterminated string", start);
        if (d === '"') break;
        if (d === "\\") {
          const e = source[i + 1] ?? "";
          if (e === "u") {
            const hex = source.slice(i + 2, i + 6);
            if (!/^[0-9A-Fa-f]{4}$/.test(hex)) fail("bad \\u escape");
            value += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            continue;
          }
          const escaped = ESCAPES[e];
          if (escaped === undefined) fail(`bad escape '\\${e}'`);
          value += escaped ?? "";
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      i++;
      tokens.push({ type: "string", value, pos: start });
    } else if (c === "`") {
      const end = source.indexOf("`", i + 1);
      if (end < 0) fail("unterminated raw string", start);
      tokens.push({ type: "string", value: source.slice(i + 1, end), pos: start });
      i = end + 1;
    } else if (/[-0-9]/.test(c)) {
      const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(source.slice(i));
      if (match === null) fail("bad number");
      const text = match?.[0] ?? "";
      const value = Number(text);
      if (!Number.isFinite(value)) fail("number out of range");
      tokens.push({ type: "number", value, pos: start });
      i += text.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const text = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i))?.[0] ?? c;
      tokens.push({ type: "ident", text, pos: start });
      i += text.length;
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ type: "end", pos: source.length });
  return tokens;
}

class Parser {
  private at = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): FilterExpr {
    const expr = this.or();
    const next = this.peek();
    if (next.type !== "end") this.fail(`unexpected ${describe(next)}`, next);
    return expr;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)] ?? { type: "end", pos: 0 };
  }

  private take(): Token {
    const token = this.peek();
    if (this.at < this.tokens.length - 1) this.at++;
    return token;
  }

  private isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === "ident" && token.text === word;
  }

  private isPunct(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === "punct" && token.text === text;
  }

  private fail(message: string, token: Token = this.peek()): never {
    throw new FilterError(`filter: ${message} at position ${token.pos}`, token.pos);
  }

  private or(): FilterExpr {
    let left = this.and();
    while (this.isWord("or")) {
      this.take();
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }

  private and(): FilterExpr {
    let left = this.unary();
    while (this.isWord("and")) {
      this.take();
      left = { kind: "and", left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterExpr {
    if (++this.depth > MAX_DEPTH) this.fail("expression nested too deeply");
    try {
      if (this.isWord("not")) {
        this.take();
        return { kind: "not", operand: this.unary() };
      }
      if (this.isPunct("(")) {
        this.take();
        const inner = this.or();
        if (!this.isPunct(")")) this.fail(`expected ')' but found ${describe(this.peek())}`);
        this.take();
        return inner;
      }
      return this.match();
    } finally {
      this.depth--;
    }
  }

  private match(): FilterExpr {
    const leftToken = this.peek();
    const left = this.value();
    const negated = this.isWord("not");
    const opToken = this.peek(negated ? 1 : 0);
    if (opToken.type === "ident" && opToken.text === "in") {
      if (negated) this.take();
      this.take();
      return { kind: "match", operator: negated ? "not in" : "in", selector: this.selector(), value: left };
    }
    if (left.kind !== "selector") this.fail(`expected a selector before ${describe(opToken)}`, leftToken);
    const selector = left.kind === "selector" ? left.path : [];
    if (negated) {
      this.take();
      const word = this.take();
      if (word.type !== "ident" || (word.text !== "contains" && word.text !== "matches")) {
        this.fail(`expected 'in', 'contains' or 'matches' after 'not'`, word);
      }
      const operator: MatchOperator =
        word.type === "ident" && word.text === "matches" ? "not matches" : "not contains";
      return { kind: "match", operator, selector, value: this.operand(operator) };
    }
    const op = this.take();
    if (op.type === "punct" && (op.text === "==" || op.text === "!=")) {
      return { kind: "match", operator: op.text, selector, value: this.value() };
    }
    if (op.type === "ident" && (op.text === "contains" || op.text === "matches")) {
      return { kind: "match", operator: op.text, selector, value: this.operand(op.text) };
    }
    if (op.type === "ident" && op.text === "is") {
      const not = this.isWord("not");
      if (not) this.take();
      if (!this.isWord("empty")) this.fail(`expected 'empty' after 'is${not ? " not" : ""}'`);
      this.take();
      return { kind: "match", operator: not ? "is not empty" : "is empty", selector };
    }
    return this.fail(
      `expected an operator (==, !=, in, contains, matches, is empty) but found ${describe(op)}`,
      op,
    );
  }

  private operand(operator: MatchOperator): FilterValue {
    const token = this.peek();
    const value = this.value();
    if ((operator === "matches" || operator === "not matches") && value.kind !== "string") {
      this.fail("'matches' needs a quoted regular expression", token);
    }
    return value;
  }

  private value(): FilterValue {
    const token = this.peek();
    if (token.type === "string") {
      this.take();
      return { kind: "string", value: token.value };
    }
    if (token.type === "number") {
      this.take();
      return { kind: "number", value: token.value };
    }
    if (token.type === "ident" && (token.text === "true" || token.text === "false")) {
      this.take();
      return { kind: "bool", value: token.text === "true" };
    }
    if (token.type === "ident" && !KEYWORDS.has(token.text))
      return { kind: "selector", path: this.selector() };
    return this.fail(`expected a value or selector but found ${describe(token)}`, token);
  }

  private selector(): Selector {
    const first = this.take();
    if (first.type !== "ident" || KEYWORDS.has(first.text))
      this.fail(`expected a selector but found ${describe(first)}`, first);
    const path: string[] = [first.type === "ident" ? first.text : ""];
    for (;;) {
      if (this.isPunct(".")) {
        this.take();
        const segment = this.take();
        if (segment.type !== "ident") this.fail("expected a selector segment after '.'", segment);
        path.push(segment.type === "ident" ? segment.text : "");
      } else if (this.isPunct("[")) {
        this.take();
        const key = this.take();
        if (key.type !== "string") this.fail("expected a quoted key inside [ ]", key);
        if (!this.isPunct("]")) this.fail("expected ']'");
        this.take();
        path.push(key.type === "string" ? key.value : "");
      } else {
        return path;
      }
    }
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case "end":
      return "end of input";
    case "string":
      return `string ${JSON.stringify(token.value)}`;
    case "number":
      return `number ${token.value}`;
    case "punct":
      return `'${token.text}'`;
    case "ident":
      return `'${token.text}'`;
  }
}

/** Parses a filter expression; throws {@link FilterError} (only) on bad input. */
export function parseFilter(source: string): FilterExpr {
  if (source.length > MAX_LENGTH)
    throw new FilterError(`filter: longer than ${MAX_LENGTH} characters`, MAX_LENGTH);
  return new Parser(tokenize(source)).parse();
}
