// Shared pieces of the hostile-input suites (test/unit/fuzz-*.test.ts): a cheap deterministic
// mutator seeded by fast-check, a runner that counts inputs and sorts outcomes, and a heap meter.
// fast-check generates the seeds and the valid base inputs; each run then derives many mutants
// with a xorshift PRNG, which keeps a million inputs within the time budget.
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CshargError } from '../../../src/core/errors';

/** xorshift32: fast, deterministic for a seed, good enough to pick mutations. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = (seed >>> 0) || 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

/** Byte values that make framers and parsers take unusual paths. */
const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x0a, 0x0d, 0x1a, 0x2b, 0x3c, 0x4d];

/** One to three mutations of `input`: truncation, bit flips, byte replacement, insertion, deletion, duplication, a 32-bit word. */
export function mutateBytes(input: Uint8Array, rng: Rng): Buffer {
  let out = Buffer.from(input);
  const rounds = 1 + rng.below(3);
  for (let r = 0; r < rounds; r++) {
    const n = out.length;
    switch (rng.below(7)) {
      case 0:
        out = out.subarray(0, rng.below(n + 1));
        break;
      case 1:
        if (n > 0) {
          const at = rng.below(n);
          out[at] = out[at]! ^ (1 << rng.below(8));
        }
        break;
      case 2:
        if (n > 0) out[rng.below(n)] = rng.below(3) === 0 ? INTERESTING_BYTES[rng.below(INTERESTING_BYTES.length)]! : rng.below(256);
        break;
      case 3: {
        const at = rng.below(n + 1);
        const extra = Buffer.alloc(1 + rng.below(8));
        for (let i = 0; i < extra.length; i++) extra[i] = rng.below(256);
        out = Buffer.concat([out.subarray(0, at), extra, out.subarray(at)]);
        break;
      }
      case 4: {
        const at = rng.below(n + 1);
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(n, at + 1 + rng.below(8)))]);
        break;
      }
      case 5: {
        const from = rng.below(n + 1);
        out = Buffer.concat([out, out.subarray(from, Math.min(n, from + 1 + rng.below(32)))]);
        break;
      }
      default:
        // A length or type word: the fields framers trust most.
        if (n >= 4) {
          const at = rng.below(n >> 2) << 2;
          const value = rng.below(4) === 0 ? [0, 0xffffffff, 0x7fffffff, 12, 28][rng.below(5)]! : rng.next();
          out = Buffer.from(out);
          out.writeUInt32LE(value >>> 0, at);
        }
    }
  }
  return out;
}

const TEXT_PIECES = ['"', '\\', '{', '}', '[', ']', ':', ',', 'null', 'true', '-1', '1e999', '\u0000', '\n', '\r\n', '%', '%00', '%zz', '&', '=', '?', '#', '/', '\ud800', 'é', '€', '💥', ' ', 'packetflix:', 'ws://', '[::1]'];

/** One to three text mutations: deletion, insertion of a character or a syntax piece, replacement, truncation, duplication. */
export function mutateText(input: string, rng: Rng): string {
  let out = input;
  const rounds = 1 + rng.below(3);
  for (let r = 0; r < rounds; r++) {
    const n = out.length;
    const at = rng.below(n + 1);
    switch (rng.below(5)) {
      case 0:
        out = out.slice(0, at) + out.slice(Math.min(n, at + 1 + rng.below(6)));
        break;
      case 1:
        out = out.slice(0, at) + TEXT_PIECES[rng.below(TEXT_PIECES.length)]! + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + String.fromCharCode(rng.below(4) === 0 ? rng.below(0x10000) : rng.below(128)) + out.slice(at + 1);
        break;
      case 3:
        out = out.slice(0, at);
        break;
      default:
        out = out + out.slice(at, at + 1 + rng.below(40));
    }
  }
  return out;
}

/** Counts of one suite: inputs fed, accepted, and rejected with the expected typed error. */
export class FuzzTally {
  inputs = 0;
  accepted = 0;
  rejected = 0;

  /**
   * Feeds one input. Returning is acceptance; throwing an instance of `expected` is a typed
   * rejection; anything else (another error, a non-CshargError) fails the test with the input.
   */
  feed<T>(input: T, run: (input: T) => void, expected: abstract new (...args: never[]) => CshargError, show: (input: T) => string): void {
    this.inputs++;
    try {
      run(input);
      this.accepted++;
    } catch (err) {
      if (!(err instanceof expected)) {
        assert.fail(`unexpected ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} for input ${show(input)}`);
      }
      this.rejected++;
    }
  }

  toString(): string {
    return `${this.inputs} inputs: ${this.accepted} accepted, ${this.rejected} rejected with typed errors`;
  }
}

let collect: (() => void) | undefined;

/** Live heap after a full garbage collection (bytes). */
export function heapAfterGc(): number {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  return process.memoryUsage().heapUsed;
}

/** Heap growth over a fuzz run must stay below this: inputs are small and nothing may be kept. */
export const MAX_HEAP_GROWTH_BYTES = 16 * 1024 * 1024;

export function showBytes(input: Uint8Array): string {
  return Buffer.from(input).toString('hex').slice(0, 400);
}

export function showText(input: string): string {
  return JSON.stringify(input.slice(0, 300));
}
