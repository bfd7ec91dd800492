/**
 * Seeded randomness for the pure core and the simulator.
 *
 * The core never calls `Math.random`: every random choice (probe order, gossip targets,
 * indirect-probe helpers, ticker stagger) draws from an injected {@link Rng}, so a whole
 * cluster replays bit-for-bit from one seed. This file holds the one generator, the one
 * Fisher-Yates shuffle and the one k-of-n picker that every caller shares, so the sampling
 * logic is property-tested once (test/property/core/rng.property.test.ts).
 */

import type { Rng } from "./api.js";

/**
 * One step of splitmix32: a strong 32-bit mixer, used to expand a single seed into the
 * four words of sfc32 state (a raw small seed would otherwise give correlated first draws).
 */
function splitmix32(state: number): { readonly value: number; readonly state: number } {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  z = z ^ (z >>> 15);
  return { value: z >>> 0, state: next };
}

/** 2^-32, turns a uint32 into a float in [0, 1). */
const TWO_POW_MINUS_32 = 1 / 4294967296;

/**
 * A seeded generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), which
 * passes PractRand and BigCrush, has a guaranteed minimum period of 2^32 thanks to its
 * counter word, and needs only 32-bit integer arithmetic (`Math.imul`, `|0`), so it behaves
 * identically on every JS engine.
 *
 * @param seed Any number; it is truncated to 32 bits. Equal seeds give equal sequences.
 */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const step = splitmix32(s);
    s = step.state;
    words.push(step.value);
  }
  let a = words[0] ?? 0;
  let b = words[1] ?? 0;
  let c = words[2] ?? 0;
  let d = words[3] ?? 1;

  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard a few outputs: sfc32's authors recommend warming up the state.
  for (let i = 0; i < 12; i++) nextUint32();

  return {
    next: () => nextUint32() * TWO_POW_MINUS_32,
    int: (n: number): number => {
      if (!(n >= 1)) throw new RangeError(`Rng.int needs n >= 1, got ${n}`);
      const bound = Math.floor(n);
      if (bound <= 0x100000000) {
        // Lemire-style rejection to remove modulo bias: reject the short tail of the range.
        const limit = 0x100000000 - (0x100000000 % bound);
        for (;;) {
          const x = nextUint32();
          if (x < limit) return x % bound;
        }
      }
      // Beyond 2^32 (never in practice): combine two draws into a 53-bit float.
      const hi = nextUint32() >>> 5;
      const lo = nextUint32() >>> 6;
      return Math.floor(((hi * 67108864 + lo) / 9007199254740992) * bound);
    },
  };
}

/** FNV-1a over the UTF-16 code units of a string, so stream names map to 32-bit numbers. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Derive the seed of an independent stream from a root seed, so that (for example) each
 * simulated node and each network link gets its own generator and adding draws to one stream
 * never shifts another. Deterministic; distinct `stream` values give unrelated seeds.
 *
 * @param seed The root seed (truncated to 32 bits).
 * @param stream A stream index or name, e.g. `3` or `"node-3"` or `"link:a->b"`.
 */
export function deriveSeed(seed: number, stream: number | string): number {
  const streamWord = typeof stream === "number" ? stream >>> 0 : hashString(stream);
  // Two rounds of splitmix over (seed, stream) so nearby seeds and streams decorrelate.
  const first = splitmix32((seed >>> 0) ^ Math.imul(streamWord, 0x85ebca6b));
  const second = splitmix32(first.value ^ streamWord);
  return second.value;
}

/**
 * Shuffle `array` in place with the Fisher-Yates (Durstenfeld) algorithm; every permutation is
 * equally likely given a uniform `rng.int`. Returns the same array for chaining.
 */
export function shuffleInPlace<T>(array: T[], rng: Rng): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = array[i] as T;
    array[i] = array[j] as T;
    array[j] = tmp;
  }
  return array;
}

/**
 * Pick up to `k` distinct elements of `items` uniformly at random, skipping those for which
 * `exclude` returns true. Returns `min(k, number of eligible items)` elements in random order.
 *
 * Uses a *sparse* Fisher-Yates: draws walk a virtual shuffle of the indices, with swapped slots
 * kept in a small map, so the cost is O(k) draws when most items are eligible (the common case:
 * gossip fanout and indirect-probe helpers out of N members) and never copies the array. When
 * many items are excluded it degrades gracefully to at most `items.length` draws.
 *
 * @param items The population (not modified).
 * @param k How many to pick; values < 1 give an empty result.
 * @param rng The injected generator.
 * @param exclude Optional filter: return true to skip an element (self, dead nodes, the target).
 */
export function pickRandom<T>(items: readonly T[], k: number, rng: Rng, exclude?: (item: T) => boolean): T[] {
  const picked: T[] = [];
  const n = items.length;
  if (k < 1 || n === 0) return picked;
  // swapped.get(i) is the index currently sitting in virtual slot i (identity if absent).
  const swapped = new Map<number, number>();
  for (let drawn = 0; drawn < n && picked.length < k; drawn++) {
    const j = drawn + rng.int(n - drawn);
    const atJ = swapped.get(j) ?? j;
    const atDrawn = swapped.get(drawn) ?? drawn;
    swapped.set(j, atDrawn);
    // Slot `drawn` is never read again, so it need not be stored.
    swapped.delete(drawn);
    const item = items[atJ] as T;
    if (exclude === undefined || !exclude(item)) picked.push(item);
  }
  return picked;
}
