/**
 * The matcher behind the filter language's `matches`: RE2-style regular expressions
 * (./filter-regex-parse.ts) run by a Thompson-NFA simulation (a Pike VM without captures).
 * Matching takes O(text length × program size) whatever the pattern, so a user's filter
 * cannot stall the agent with catastrophic backtracking, which JavaScript's RegExp would
 * allow even for innocent-looking patterns such as `.*.*.*x` (polynomial) or `(a+)+$`
 * (exponential). Limits on the pattern's length and compiled size bound the product.
 *
 * Pure: no Node APIs.
 */
import {
  type Assertion,
  type CharTest,
  isWordCodePoint,
  parseRegex,
  type RegexFlags,
  type RegexNode,
  RegexSyntaxError,
} from "./filter-regex-parse.js";

export { RegexSyntaxError } from "./filter-regex-parse.js";

/** Longest accepted pattern, in characters. */
export const MAX_PATTERN_LENGTH = 512;

/** Largest compiled program (repetitions expanded), in instructions. */
export const MAX_PROGRAM_SIZE = 2000;

type Instruction =
  | { readonly op: "char"; readonly test: CharTest }
  | { readonly op: "split"; readonly x: number; readonly y: number }
  | { readonly op: "jmp"; readonly x: number }
  | { readonly op: "assert"; readonly assertion: Assertion }
  | { readonly op: "match" };

/** A compiled pattern: `test` is an unanchored search, like RegExp's. */
export interface TextMatcher {
  test(text: string): boolean;
}

/**
 * Compiles a `matches` pattern. A leading `(?i)`, `(?s)` or `(?m)` (or a combination) sets
 * the flags. Throws {@link RegexSyntaxError} naming the problem.
 */
export function compileRegex(pattern: string): TextMatcher {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new RegexSyntaxError(
      `pattern is too long (${pattern.length} characters; at most ${MAX_PATTERN_LENGTH})`,
    );
  }
  const inline = /^\(\?([ims]+)\)/.exec(pattern);
  const letters = inline?.[1] ?? "";
  const flags: RegexFlags = {
    ignoreCase: letters.includes("i"),
    dotAll: letters.includes("s"),
    multiline: letters.includes("m"),
  };
  const tree = parseRegex(pattern.slice(inline?.[0].length ?? 0), flags);
  const program = new Compiler().compile(tree);
  return { test: (text) => run(program, text) };
}

class Compiler {
  private readonly code: Instruction[] = [];

  compile(tree: RegexNode): readonly Instruction[] {
    this.emit(tree);
    this.push({ op: "match" });
    return this.code;
  }

  private push(instruction: Instruction): number {
    if (this.code.length >= MAX_PROGRAM_SIZE) {
      throw new RegexSyntaxError(
        `pattern is too complex (over ${MAX_PROGRAM_SIZE} instructions once repetitions are expanded)`,
      );
    }
    this.code.push(instruction);
    return this.code.length - 1;
  }

  /** Overwrites a placeholder emitted earlier (the jump targets are known only later). */
  private patch(at: number, instruction: Instruction): void {
    this.code[at] = instruction;
  }

  private emit(node: RegexNode): void {
    switch (node.kind) {
      case "char":
        this.push({ op: "char", test: node.test });
        return;
      case "assert":
        this.push({ op: "assert", assertion: node.assertion });
        return;
      case "seq":
        for (const item of node.items) this.emit(item);
        return;
      case "alt":
        this.alternation(node.alternatives);
        return;
      case "repeat":
        this.repeat(node.node, node.min, node.max);
        return;
    }
  }

  private alternation(alternatives: readonly RegexNode[]): void {
    const exits: number[] = [];
    alternatives.forEach((alternative, i) => {
      const last = i === alternatives.length - 1;
      const split = last ? -1 : this.push({ op: "jmp", x: 0 });
      this.emit(alternative);
      if (!last) {
        exits.push(this.push({ op: "jmp", x: 0 }));
        this.patch(split, { op: "split", x: split + 1, y: this.code.length });
      }
    });
    for (const exit of exits) this.patch(exit, { op: "jmp", x: this.code.length });
  }

  private repeat(body: RegexNode, min: number, max: number): void {
    for (let i = 0; i < min; i++) this.emit(body);
    if (max === Infinity) {
      const loop = this.push({ op: "jmp", x: 0 });
      this.emit(body);
      this.push({ op: "jmp", x: loop });
      this.patch(loop, { op: "split", x: loop + 1, y: this.code.length });
      return;
    }
    const skips: number[] = [];
    for (let i = min; i < max; i++) {
      skips.push(this.push({ op: "jmp", x: 0 }));
      this.emit(body);
    }
    for (const skip of skips) this.patch(skip, { op: "split", x: skip + 1, y: this.code.length });
  }
}

function holds(assertion: Assertion, cps: readonly number[], pos: number): boolean {
  const before = cps[pos - 1];
  const after = cps[pos];
  switch (assertion) {
    case "bot":
      return pos === 0;
    case "eot":
      return pos === cps.length;
    case "bol":
      return pos === 0 || before === 0x0a;
    case "eol":
      return pos === cps.length || after === 0x0a;
    case "word":
    case "notword": {
      const boundary =
        (before !== undefined && isWordCodePoint(before)) !== (after !== undefined && isWordCodePoint(after));
      return assertion === "word" ? boundary : !boundary;
    }
  }
}

/**
 * The simulation: all threads advance in lock step over the text, one list entry per program
 * counter, so the work per character is bounded by the program size.
 */
function run(program: readonly Instruction[], text: string): boolean {
  const cps = Array.from(text, (c) => c.codePointAt(0) ?? 0);
  const seen = new Int32Array(program.length).fill(-1);
  const stack: number[] = [];
  let current: number[] = [];
  let next: number[] = [];
  let generation = 0;

  /** Adds `pc` and everything reachable from it without reading; true on reaching a match. */
  const add = (list: number[], start: number, pos: number): boolean => {
    stack.push(start);
    while (stack.length > 0) {
      const pc = stack.pop() as number;
      if (seen[pc] === generation) continue;
      seen[pc] = generation;
      const instruction = program[pc] as Instruction;
      switch (instruction.op) {
        case "match":
          stack.length = 0;
          return true;
        case "jmp":
          stack.push(instruction.x);
          break;
        case "split":
          stack.push(instruction.y, instruction.x);
          break;
        case "assert":
          if (holds(instruction.assertion, cps, pos)) stack.push(pc + 1);
          break;
        case "char":
          list.push(pc);
          break;
      }
    }
    return false;
  };

  for (let pos = 0; ; pos++) {
    // Unanchored search: a new thread starts at every position.
    if (add(current, 0, pos)) return true;
    if (pos === cps.length) return false;
    generation++;
    const cp = cps[pos] as number;
    for (const pc of current) {
      const instruction = program[pc] as Instruction;
      if (instruction.op === "char" && instruction.test(cp) && add(next, pc + 1, pos + 1)) return true;
    }
    [current, next] = [next, []];
  }
}
