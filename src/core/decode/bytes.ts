// Bounds-checked big-endian reads for layer views: a field beyond the captured bytes reads as 0
// (the layer is marked malformed in that case, so callers check that first). The hot path in
// dissect.ts reads inline after one length check instead.

export function u8(b: Buffer, o: number): number {
  return o < b.length ? b[o]! : 0;
}

export function u16(b: Buffer, o: number): number {
  return o + 2 <= b.length ? (b[o]! << 8) | b[o + 1]! : 0;
}

export function u32(b: Buffer, o: number): number {
  return o + 4 <= b.length ? b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) : 0;
}
