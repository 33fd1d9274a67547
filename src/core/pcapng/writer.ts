// Blocks back to bytes, in either byte order. Options are written as stored (in their order,
// with zero padding, opt_endofopt only when the block had it), so unchanged blocks keep their
// bytes; numeric option values are byte-swapped when the target byte order differs.

import { BYTE_ORDER_MAGIC, BlockType, EPB_MIN_LENGTH, MIN_BLOCK_LENGTH, NameRecordType, OptionCode, SHB_MIN_LENGTH, padded4 } from './constants';
import { copyOptionValue } from './option-byte-order';
import type {
  CustomBlock, DecryptionSecretsBlock, EnhancedPacketBlock, InterfaceDescriptionBlock, InterfaceStatisticsBlock,
  NameRecord, NameResolutionBlock, ObsoletePacketBlock, PcapngOption, SectionHeaderBlock, SimplePacketBlock, UnknownBlock,
} from './types';

interface OptionFields {
  /** byte order of the option values (and NRB records, custom PENs) as given */
  readonly littleEndian: boolean;
  readonly options?: readonly PcapngOption[];
  readonly endOfOptions?: boolean;
}

/** What the writer needs of each kind of block; read blocks satisfy these as they are. */
export type WritableBlock =
  | (Pick<SectionHeaderBlock, 'kind'> & Partial<Pick<SectionHeaderBlock, 'majorVersion' | 'minorVersion' | 'sectionLength'>> & OptionFields)
  | (Pick<InterfaceDescriptionBlock, 'kind' | 'linkType' | 'snapLen'> & Partial<Pick<InterfaceDescriptionBlock, 'reserved'>> & OptionFields)
  | (Pick<EnhancedPacketBlock, 'kind' | 'interfaceId' | 'timestampHigh' | 'timestampLow' | 'originalLength' | 'data'> & OptionFields)
  | Pick<SimplePacketBlock, 'kind' | 'originalLength' | 'data'>
  | (Pick<ObsoletePacketBlock, 'kind' | 'interfaceId' | 'dropsCount' | 'timestampHigh' | 'timestampLow' | 'originalLength' | 'data'> & OptionFields)
  | (Pick<NameResolutionBlock, 'kind'> & { readonly records: readonly Pick<NameRecord, 'type' | 'value'>[]; readonly endOfRecords?: boolean } & OptionFields)
  | (Pick<InterfaceStatisticsBlock, 'kind' | 'interfaceId' | 'timestampHigh' | 'timestampLow'> & OptionFields)
  | (Pick<DecryptionSecretsBlock, 'kind' | 'secretsType' | 'secretsData'> & OptionFields)
  | (Pick<CustomBlock, 'kind' | 'type' | 'pen' | 'payload'> & { readonly littleEndian: boolean })
  | Pick<UnknownBlock, 'kind' | 'type' | 'body'>;

const MACHINE_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

class BlockBuilder {
  readonly buf: Buffer;
  p = 0;

  constructor(
    readonly type: number,
    readonly length: number,
    readonly le: boolean,
  ) {
    this.buf = Buffer.alloc(length);
    this.u32(type);
    this.u32(length);
  }

  u16(v: number): void {
    if (this.le) this.buf.writeUInt16LE(v, this.p);
    else this.buf.writeUInt16BE(v, this.p);
    this.p += 2;
  }

  u32(v: number): void {
    if (this.le) this.buf.writeUInt32LE(v, this.p);
    else this.buf.writeUInt32BE(v, this.p);
    this.p += 4;
  }

  i64(v: bigint): void {
    if (this.le) this.buf.writeBigInt64LE(v, this.p);
    else this.buf.writeBigInt64BE(v, this.p);
    this.p += 8;
  }

  /** bytes then zero padding to 32 bits (the buffer starts zeroed) */
  bytes(b: Buffer): void {
    b.copy(this.buf, this.p);
    this.p += padded4(b.length);
  }

  options(kind: WritableBlock['kind'], f: OptionFields): void {
    const swap = f.littleEndian !== this.le;
    for (const o of f.options ?? []) {
      this.u16(o.code);
      this.u16(o.value.length);
      copyOptionValue(kind, o.code, o.value, swap, this.buf, this.p);
      this.p += padded4(o.value.length);
    }
    if (f.endOfOptions) this.u32(OptionCode.ENDOFOPT);
  }

  finish(): Buffer {
    this.u32(this.length);
    if (this.p !== this.length) throw new Error(`pcapng writer: block size mismatch (${this.p} != ${this.length})`);
    return this.buf;
  }
}

function optionsLength(f: OptionFields): number {
  let n = f.endOfOptions ? 4 : 0;
  for (const o of f.options ?? []) {
    if (o.value.length > 0xffff) throw new RangeError(`pcapng writer: option ${o.code} is over 65535 bytes`);
    n += 4 + padded4(o.value.length);
  }
  return n;
}

function recordsLength(records: readonly Pick<NameRecord, 'type' | 'value'>[], endOfRecords: boolean): number {
  let n = endOfRecords ? 4 : 0;
  for (const r of records) n += 4 + padded4(r.value.length);
  return n;
}

/** The bytes of one block; `littleEndian` defaults to the block's own byte order (or this machine's). */
export function encodeBlock(block: WritableBlock, littleEndian?: boolean): Buffer {
  const le = littleEndian ?? ('littleEndian' in block ? block.littleEndian : MACHINE_LITTLE_ENDIAN);
  switch (block.kind) {
    case 'shb': {
      const b = new BlockBuilder(BlockType.SHB, SHB_MIN_LENGTH + optionsLength(block), le);
      b.u32(BYTE_ORDER_MAGIC);
      b.u16(block.majorVersion ?? 1);
      b.u16(block.minorVersion ?? 0);
      b.i64(block.sectionLength ?? -1n);
      b.options('shb', block);
      return b.finish();
    }
    case 'idb': {
      const b = new BlockBuilder(BlockType.IDB, 20 + optionsLength(block), le);
      b.u16(block.linkType);
      b.u16(block.reserved ?? 0);
      b.u32(block.snapLen);
      b.options('idb', block);
      return b.finish();
    }
    case 'epb':
    case 'pb': {
      const isEpb = block.kind === 'epb';
      const b = new BlockBuilder(isEpb ? BlockType.EPB : BlockType.PB, EPB_MIN_LENGTH + padded4(block.data.length) + optionsLength(block), le);
      if (isEpb) b.u32(block.interfaceId);
      else {
        b.u16(block.interfaceId);
        b.u16(block.dropsCount);
      }
      b.u32(block.timestampHigh);
      b.u32(block.timestampLow);
      b.u32(block.data.length);
      b.u32(block.originalLength);
      b.bytes(block.data);
      b.options(block.kind, block);
      return b.finish();
    }
    case 'spb': {
      const b = new BlockBuilder(BlockType.SPB, 16 + padded4(block.data.length), le);
      b.u32(block.originalLength);
      b.bytes(block.data);
      return b.finish();
    }
    case 'nrb': {
      const endOfRecords = block.endOfRecords ?? true;
      const b = new BlockBuilder(BlockType.NRB, 12 + recordsLength(block.records, endOfRecords) + optionsLength(block), le);
      for (const r of block.records) {
        b.u16(r.type);
        b.u16(r.value.length);
        b.bytes(r.value);
      }
      if (endOfRecords) b.u32(NameRecordType.END);
      b.options('nrb', block);
      return b.finish();
    }
    case 'isb': {
      const b = new BlockBuilder(BlockType.ISB, 24 + optionsLength(block), le);
      b.u32(block.interfaceId);
      b.u32(block.timestampHigh);
      b.u32(block.timestampLow);
      b.options('isb', block);
      return b.finish();
    }
    case 'dsb': {
      const b = new BlockBuilder(BlockType.DSB, 20 + padded4(block.secretsData.length) + optionsLength(block), le);
      b.u32(block.secretsType);
      b.u32(block.secretsData.length);
      b.bytes(block.secretsData);
      b.options('dsb', block);
      return b.finish();
    }
    case 'custom': {
      const b = new BlockBuilder(block.type, 16 + padded4(block.payload.length), le);
      b.u32(block.pen);
      b.bytes(block.payload);
      return b.finish();
    }
    case 'unknown': {
      const b = new BlockBuilder(block.type, MIN_BLOCK_LENGTH + padded4(block.body.length), le);
      b.bytes(block.body);
      return b.finish();
    }
  }
}

/** Option helpers for blocks built in code (values in the given byte order). */
export const option = {
  string(code: number, text: string): PcapngOption {
    return { code, value: Buffer.from(text, 'utf8') };
  },
  u8(code: number, v: number): PcapngOption {
    return { code, value: Buffer.from([v]) };
  },
  u32(code: number, v: number, littleEndian: boolean): PcapngOption {
    const value = Buffer.alloc(4);
    if (littleEndian) value.writeUInt32LE(v);
    else value.writeUInt32BE(v);
    return { code, value };
  },
  u64(code: number, v: bigint, littleEndian: boolean): PcapngOption {
    const value = Buffer.alloc(8);
    if (littleEndian) value.writeBigUInt64LE(BigInt.asUintN(64, v));
    else value.writeBigUInt64BE(BigInt.asUintN(64, v));
    return { code, value };
  },
  bytes(code: number, value: Buffer): PcapngOption {
    return { code, value };
  },
};

export { MACHINE_LITTLE_ENDIAN };
