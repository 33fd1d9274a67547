// Test helper: builds and reads pcapng section header blocks independently of the editor, so
// tests can state expectations in terms of options and comments instead of hex.

export interface ShbOption {
  code: number;
  value: Buffer;
}

export interface ShbSpec {
  littleEndian?: boolean;
  options?: ShbOption[];
  /** write opt_endofopt after the options */
  endOfOptions?: boolean;
  major?: number;
  minor?: number;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

export function buildShb(spec: ShbSpec = {}): Buffer {
  const le = spec.littleEndian ?? false;
  const options = spec.options ?? [];
  const body = options.reduce((n, o) => n + 4 + pad4(o.value.length), 0) + (spec.endOfOptions ? 4 : 0);
  const length = 24 + body + 4;
  const b = Buffer.alloc(length);
  const u16 = (v: number, at: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  u32(0x0a0d0d0a, 0);
  u32(length, 4);
  u32(0x1a2b3c4d, 8);
  u16(spec.major ?? 1, 12);
  u16(spec.minor ?? 0, 14);
  b.writeBigInt64BE(123n, 16); // a known section length, which the editor must turn into -1
  let at = 24;
  for (const o of options) {
    u16(o.code, at);
    u16(o.value.length, at + 2);
    o.value.copy(b, at + 4);
    at += 4 + pad4(o.value.length);
  }
  at += spec.endOfOptions ? 4 : 0;
  u32(length, at);
  return b;
}

export interface ParsedShb {
  littleEndian: boolean;
  length: number;
  major: number;
  minor: number;
  sectionLength: bigint;
  options: ShbOption[];
  sawEndOfOptions: boolean;
  trailer: number;
  rest: Buffer;
}

export function parseShb(b: Buffer): ParsedShb {
  if (b.readUInt32BE(0) !== 0x0a0d0d0a) throw new Error('not an SHB');
  const le = b.readUInt32BE(8) === 0x4d3c2b1a;
  const u16 = (at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const length = u32(4);
  const options: ShbOption[] = [];
  let sawEndOfOptions = false;
  for (let at = 24; at < length - 4;) {
    const code = u16(at);
    const len = u16(at + 2);
    if (code === 0) {
      sawEndOfOptions = true;
      break;
    }
    options.push({ code, value: Buffer.from(b.subarray(at + 4, at + 4 + len)) });
    at += 4 + pad4(len);
  }
  return {
    littleEndian: le,
    length,
    major: u16(12),
    minor: u16(14),
    sectionLength: le ? b.readBigInt64LE(16) : b.readBigInt64BE(16),
    options,
    sawEndOfOptions,
    trailer: u32(length - 4),
    rest: b.subarray(length),
  };
}

/** Splits `data` into chunks of `size` bytes (the last one shorter). */
export function chunksOf(data: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return chunks;
}
