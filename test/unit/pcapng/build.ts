// Hand-rolled pcapng bytes for tests, written independently of the library's writer.

export interface Opt {
  code: number;
  value: Buffer;
}

function pad(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
}

export function u16(v: number, le: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}

export function u32(v: number, le: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v);
  else b.writeUInt32BE(v);
  return b;
}

export function u64(v: bigint, le: boolean): Buffer {
  const b = Buffer.alloc(8);
  if (le) b.writeBigUInt64LE(BigInt.asUintN(64, v));
  else b.writeBigUInt64BE(BigInt.asUintN(64, v));
  return b;
}

export function str(code: number, text: string): Opt {
  return { code, value: Buffer.from(text) };
}

export function options(opts: Opt[], le: boolean, endOfOpt = true): Buffer {
  const parts = opts.map((o) => Buffer.concat([u16(o.code, le), u16(o.value.length, le), pad(o.value)]));
  if (endOfOpt && opts.length > 0) parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

export function block(type: number, body: Buffer, le: boolean): Buffer {
  const length = 12 + pad(body).length;
  return Buffer.concat([u32(type, le), u32(length, le), pad(body), u32(length, le)]);
}

export function shb(le: boolean, opts: Opt[] = [], endOfOpt = true): Buffer {
  const body = Buffer.concat([u32(0x1a2b3c4d, le), u16(1, le), u16(0, le), u64(-1n, le), options(opts, le, endOfOpt)]);
  return block(0x0a0d0d0a, body, le);
}

export function idb(le: boolean, linkType: number, snapLen: number, opts: Opt[] = []): Buffer {
  return block(1, Buffer.concat([u16(linkType, le), u16(0, le), u32(snapLen, le), options(opts, le)]), le);
}

export function epb(le: boolean, iface: number, units: bigint, data: Buffer, originalLength = data.length, opts: Opt[] = []): Buffer {
  const body = Buffer.concat([
    u32(iface, le), u32(Number(units >> 32n), le), u32(Number(units & 0xffffffffn), le),
    u32(data.length, le), u32(originalLength, le), pad(data), options(opts, le),
  ]);
  return block(6, body, le);
}

export function spb(le: boolean, originalLength: number, data: Buffer): Buffer {
  return block(3, Buffer.concat([u32(originalLength, le), pad(data)]), le);
}

export function pb(le: boolean, iface: number, drops: number, units: bigint, data: Buffer, opts: Opt[] = []): Buffer {
  const body = Buffer.concat([
    u16(iface, le), u16(drops, le), u32(Number(units >> 32n), le), u32(Number(units & 0xffffffffn), le),
    u32(data.length, le), u32(data.length, le), pad(data), options(opts, le),
  ]);
  return block(2, body, le);
}

export function nrb(le: boolean, records: { type: number; value: Buffer }[], opts: Opt[] = []): Buffer {
  const recs = records.map((r) => Buffer.concat([u16(r.type, le), u16(r.value.length, le), pad(r.value)]));
  return block(4, Buffer.concat([...recs, Buffer.alloc(4), options(opts, le)]), le);
}

export function isb(le: boolean, iface: number, units: bigint, opts: Opt[] = []): Buffer {
  return block(5, Buffer.concat([u32(iface, le), u32(Number(units >> 32n), le), u32(Number(units & 0xffffffffn), le), options(opts, le)]), le);
}

export function dsb(le: boolean, secretsType: number, secrets: Buffer, opts: Opt[] = []): Buffer {
  return block(10, Buffer.concat([u32(secretsType, le), u32(secrets.length, le), pad(secrets), options(opts, le)]), le);
}

export function custom(le: boolean, copyable: boolean, pen: number, payload: Buffer): Buffer {
  return block(copyable ? 0xbad : 0x40000bad, Buffer.concat([u32(pen, le), payload]), le);
}

/** Splits bytes into pieces of the given sizes (cycled). */
export function chunked(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  for (let k = 0; i < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}
