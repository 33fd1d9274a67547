// TCP: ports, sequence numbers, flags, window and the common options (MSS, window scale,
// SACK-permitted, SACK blocks, timestamps). The checksum is not verified.

import { u16, u32, u8 } from './bytes';

export const TcpFlag = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  /** the historic ECN nonce bit (AE in RFC 9768) */
  NS: 0x100,
} as const;

export interface TcpOptions {
  readonly mss?: number;
  readonly windowScale?: number;
  readonly sackPermitted: boolean;
  /** SACK blocks as [left edge, right edge] */
  readonly sack?: readonly (readonly [number, number])[];
  readonly timestamp?: { readonly value: number; readonly echo: number };
  /** every option's kind and length, in order (1 for EOL and NOP) */
  readonly all: readonly { readonly kind: number; readonly length: number }[];
}

export class TcpLayer {
  constructor(
    private readonly b: Buffer,
    readonly offset: number,
    /** end of the segment's captured bytes */
    private readonly end: number,
    /** end of the segment by the IP length */
    private readonly claimedEnd: number,
  ) {}

  /** why the header could not be read; undefined when it was fine */
  get malformed(): string | undefined {
    const captured = this.end - this.offset;
    if (captured < 20) return `truncated: TCP header needs 20 bytes, ${Math.max(0, captured)} captured`;
    const h = this.headerLength;
    if (h < 20) return `TCP data offset ${h} < 20`;
    if (h > captured) return `truncated: TCP header of ${h} bytes, ${captured} captured`;
    return undefined;
  }

  get srcPort(): number {
    return u16(this.b, this.offset);
  }

  get dstPort(): number {
    return u16(this.b, this.offset + 2);
  }

  get seq(): number {
    return u32(this.b, this.offset + 4);
  }

  get ack(): number {
    return u32(this.b, this.offset + 8);
  }

  get headerLength(): number {
    return (u8(this.b, this.offset + 12) >> 4) * 4;
  }

  /** the nine flag bits (see TcpFlag) */
  get flags(): number {
    return u16(this.b, this.offset + 12) & 0x1ff;
  }

  get fin(): boolean {
    return (this.flags & TcpFlag.FIN) !== 0;
  }

  get syn(): boolean {
    return (this.flags & TcpFlag.SYN) !== 0;
  }

  get rst(): boolean {
    return (this.flags & TcpFlag.RST) !== 0;
  }

  get psh(): boolean {
    return (this.flags & TcpFlag.PSH) !== 0;
  }

  get ackFlag(): boolean {
    return (this.flags & TcpFlag.ACK) !== 0;
  }

  get urg(): boolean {
    return (this.flags & TcpFlag.URG) !== 0;
  }

  get ece(): boolean {
    return (this.flags & TcpFlag.ECE) !== 0;
  }

  get cwr(): boolean {
    return (this.flags & TcpFlag.CWR) !== 0;
  }

  get window(): number {
    return u16(this.b, this.offset + 14);
  }

  get checksum(): number {
    return u16(this.b, this.offset + 16);
  }

  get urgentPointer(): number {
    return u16(this.b, this.offset + 18);
  }

  /** payload bytes on the wire (by the IP length, whether captured or not) */
  get segmentLength(): number {
    return Math.max(0, this.claimedEnd - this.offset - this.headerLength);
  }

  /** the captured payload (a view; shorter than segmentLength when truncated) */
  get payload(): Buffer {
    const start = Math.min(this.end, this.offset + Math.max(20, this.headerLength));
    return this.b.subarray(start, this.end);
  }

  get options(): TcpOptions {
    const b = this.b;
    const end = Math.min(this.end, this.offset + this.headerLength);
    const all: { kind: number; length: number }[] = [];
    let mss: number | undefined;
    let windowScale: number | undefined;
    let sackPermitted = false;
    let sack: [number, number][] | undefined;
    let timestamp: { value: number; echo: number } | undefined;
    for (let p = this.offset + 20; p < end; ) {
      const kind = b[p]!;
      if (kind === 0) {
        all.push({ kind, length: 1 });
        break;
      }
      if (kind === 1) {
        all.push({ kind, length: 1 });
        p++;
        continue;
      }
      const length = p + 1 < end ? b[p + 1]! : 0;
      if (length < 2 || p + length > end) break;
      all.push({ kind, length });
      if (kind === 2 && length === 4) mss = u16(b, p + 2);
      else if (kind === 3 && length === 3) windowScale = b[p + 2]!;
      else if (kind === 4 && length === 2) sackPermitted = true;
      else if (kind === 5 && (length - 2) % 8 === 0) {
        sack = [];
        for (let q = p + 2; q < p + length; q += 8) sack.push([u32(b, q), u32(b, q + 4)]);
      } else if (kind === 8 && length === 10) timestamp = { value: u32(b, p + 2), echo: u32(b, p + 6) };
      p += length;
    }
    return { mss, windowScale, sackPermitted, sack, timestamp, all };
  }
}
