// A small seeded random source for generated data (CLI `seed`/`mutate`, tests, benchmarks).
// Everything derived from the same seed is reproducible byte for byte; `child(label)` gives an independent
// stream keyed by a string, so one item's content never depends on how many other items were drawn before it.

import { xorshift128plusFromState } from 'pure-rand/generator/xorshift128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

export type Seed = number | string;

/** A value with a relative weight, for `Rng.weighted`. */
export type Weighted<T> = readonly [value: T, weight: number];

/** 32-bit murmur3-style hash of a string with a salt; good enough avalanche to seed a PRNG. */
function hash32(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Stable hash of a string to [0, 1), e.g. to rank items deterministically. */
export function hashUnit(text: string): number {
  return (hash32(text, 0x2545f491) >>> 0) / 4294967296;
}

export class Rng {
  private constructor(
    /** The string this stream was seeded from; children derive from it, not from the current state. */
    readonly key: string,
    private readonly gen: RandomGenerator,
  ) {}

  /** A stream seeded from a number or a string (`from(42)` and `from('42')` are the same stream). */
  static from(seed: Seed): Rng {
    const key = String(seed);
    const state = [hash32(key, 1), hash32(key, 2), hash32(key, 3), hash32(key, 4)];
    if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1; // xorshift must not start from all zeros
    return new Rng(key, xorshift128plusFromState(state));
  }

  /** An independent stream named by `label`; unaffected by how much of this stream was consumed. */
  child(label: string): Rng {
    return Rng.from(`${this.key}/${label}`);
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return max <= min ? min : uniformInt(this.gen, min, max);
  }

  /** Float in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty array');
    return items[this.int(0, items.length - 1)];
  }

  /** One value, chosen with probability proportional to its weight. */
  weighted<T>(items: readonly Weighted<T>[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    if (!(total > 0)) throw new RangeError('weighted needs a positive total weight');
    let r = this.float() * total;
    for (const [value, w] of items) {
      r -= w;
      if (r < 0) return value;
    }
    return items[items.length - 1][0];
  }

  /** Standard normal sample (Box-Muller). */
  normal(): number {
    const u = 1 - this.float(); // (0, 1], keeps log finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Heavy-tailed positive integer: log-normal with the given median, clamped to [min, max]. */
  logNormalInt(median: number, sigma: number, min: number, max: number): number {
    const v = Math.round(median * Math.exp(sigma * this.normal()));
    return Math.min(max, Math.max(min, v));
  }
}
