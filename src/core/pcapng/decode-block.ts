// Decoding one complete block (already framed and length-checked) into its typed form; the SHB
// is decoded by the one SHB reader, core/shb/section-header.ts.

import { BlockType, EPB_MIN_LENGTH, NameRecordType, OptionCode, padded4 } from './constants';
import { PcapngFormatError } from './errors';
import {
  allStrings, firstI64, firstString, firstTimestamp, firstU32, firstU64, firstU8, firstValue, optionString, walkOptions,
} from './options';
import { EnhancedPacketView } from './packet-block';
import type { SectionState } from './section';
import { tsresolOf } from './section';
import type {
  Block, CustomBlock, DecryptionSecretsBlock, InterfaceDescriptionBlock, InterfaceInfo, InterfaceStatisticsBlock, NameRecord,
  NameResolutionBlock, ObsoletePacketBlock, SimplePacketBlock, UnknownBlock,
} from './types';

/** Where a block lies: buf[start, start + length), at absolute `offset` in the stream. */
export interface BlockSpan {
  readonly buf: Buffer;
  readonly start: number;
  readonly length: number;
  readonly offset: number;
}

function u32(buf: Buffer, p: number, le: boolean): number {
  return le ? buf.readUInt32LE(p) : buf.readUInt32BE(p);
}

function u16(buf: Buffer, p: number, le: boolean): number {
  return le ? buf.readUInt16LE(p) : buf.readUInt16BE(p);
}

function tooShort(span: BlockSpan, name: string, minimum: number): PcapngFormatError {
  return new PcapngFormatError(span.offset, `${name} of ${span.length} bytes is shorter than its minimum of ${minimum}`);
}

function interfaceFor(section: SectionState, id: number, span: BlockSpan, name: string): InterfaceInfo {
  const iface = section.interfaces[id];
  if (iface === undefined) {
    throw new PcapngFormatError(span.offset, `${name} refers to interface ${id}, but section ${section.index} has ${section.interfaces.length}`);
  }
  return iface;
}

function decodeInterfaceDescription(span: BlockSpan, section: SectionState): InterfaceDescriptionBlock {
  const { buf, start, length } = span;
  const le = section.littleEndian;
  if (length < 20) throw tooShort(span, 'interface description block', 20);
  const { options, endOfOptions } = walkOptions(buf, start + 16, start + length - 4, le, span.offset - start);
  const filter = firstValue(options, OptionCode.IF_FILTER);
  return {
    kind: 'idb',
    type: BlockType.IDB,
    offset: span.offset,
    littleEndian: le,
    raw: buf.subarray(start, start + length),
    sectionIndex: section.index,
    interfaceId: section.interfaces.length,
    linkType: u16(buf, start + 8, le),
    reserved: u16(buf, start + 10, le),
    snapLen: u32(buf, start + 12, le),
    options,
    endOfOptions,
    comments: allStrings(options, OptionCode.COMMENT),
    name: firstString(options, OptionCode.IF_NAME),
    description: firstString(options, OptionCode.IF_DESCRIPTION),
    tsresol: tsresolOf(options),
    tsOffset: firstI64(options, OptionCode.IF_TSOFFSET, le) ?? 0n,
    filter: filter !== undefined && filter.length >= 1 ? { type: filter[0]!, value: filter.subarray(1) } : undefined,
    os: firstString(options, OptionCode.IF_OS),
    fcsLen: firstU8(options, OptionCode.IF_FCSLEN),
    speed: firstU64(options, OptionCode.IF_SPEED, le),
  };
}

function decodeEnhancedPacket(span: BlockSpan, section: SectionState): EnhancedPacketView {
  const { buf, start, length } = span;
  const le = section.littleEndian;
  if (length < EPB_MIN_LENGTH) throw tooShort(span, 'enhanced packet block', EPB_MIN_LENGTH);
  const capturedLength = u32(buf, start + 20, le);
  const optionsStart = start + 28 + padded4(capturedLength);
  if (capturedLength > length - 32 || optionsStart > start + length - 4) {
    throw new PcapngFormatError(span.offset, `enhanced packet block of ${length} bytes cannot hold ${capturedLength} captured bytes`);
  }
  const iface = interfaceFor(section, u32(buf, start + 8, le), span, 'enhanced packet block');
  const list = walkOptions(buf, optionsStart, start + length - 4, le, span.offset - start);
  return new EnhancedPacketView(buf, start, length, span.offset, le, iface, capturedLength, list.options, list.endOfOptions);
}

function decodeSimplePacket(span: BlockSpan, section: SectionState): SimplePacketBlock {
  const { buf, start, length } = span;
  const le = section.littleEndian;
  if (length < 16) throw tooShort(span, 'simple packet block', 16);
  const iface = interfaceFor(section, 0, span, 'simple packet block');
  const originalLength = u32(buf, start + 8, le);
  const room = length - 16;
  const capturedLength = Math.min(originalLength, iface.snapLen === 0 ? originalLength : iface.snapLen);
  if (capturedLength > room) {
    throw new PcapngFormatError(span.offset, `simple packet block of ${length} bytes cannot hold ${capturedLength} captured bytes`);
  }
  return {
    kind: 'spb',
    type: BlockType.SPB,
    offset: span.offset,
    littleEndian: le,
    raw: buf.subarray(start, start + length),
    interfaceId: 0,
    iface,
    originalLength,
    capturedLength,
    data: buf.subarray(start + 12, start + 12 + capturedLength),
  };
}

function decodeObsoletePacket(span: BlockSpan, section: SectionState): ObsoletePacketBlock {
  const { buf, start, length } = span;
  const le = section.littleEndian;
  if (length < 32) throw tooShort(span, 'packet block', 32);
  const capturedLength = u32(buf, start + 20, le);
  const optionsStart = start + 28 + padded4(capturedLength);
  if (capturedLength > length - 32 || optionsStart > start + length - 4) {
    throw new PcapngFormatError(span.offset, `packet block of ${length} bytes cannot hold ${capturedLength} captured bytes`);
  }
  const interfaceId = u16(buf, start + 8, le);
  const iface = interfaceFor(section, interfaceId, span, 'packet block');
  const { options, endOfOptions } = walkOptions(buf, optionsStart, start + length - 4, le, span.offset - start);
  return {
    kind: 'pb',
    type: BlockType.PB,
    offset: span.offset,
    littleEndian: le,
    raw: buf.subarray(start, start + length),
    interfaceId,
    iface,
    dropsCount: u16(buf, start + 10, le),
    timestampHigh: u32(buf, start + 12, le),
    timestampLow: u32(buf, start + 16, le),
    capturedLength,
    originalLength: u32(buf, start + 24, le),
    data: buf.subarray(start + 28, start + 28 + capturedLength),
    options,
    endOfOptions,
    comments: allStrings(options, OptionCode.COMMENT),
    flags: firstU32(options, OptionCode.PACK_FLAGS, le),
    hash: firstValue(options, OptionCode.PACK_HASH),
  };
}

function recordAddress(type: number, value: Buffer): { address: string | undefined; namesAt: number } {
  if (type === NameRecordType.IPV4 && value.length >= 4) return { address: [...value.subarray(0, 4)].join('.'), namesAt: 4 };
  if (type === NameRecordType.IPV6 && value.length >= 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(value.readUInt16BE(i).toString(16));
    return { address: groups.join(':'), namesAt: 16 };
  }
  return { address: undefined, namesAt: value.length };
}

function decodeNameResolution(span: BlockSpan, section: SectionState): NameResolutionBlock {
  const { buf, start, length } = span;
  const le = section.littleEndian;
  const end = start + length - 4;
  const records: NameRecord[] = [];
  let p = start + 8;
  let endOfRecords = false;
  while (p < end) {
    if (end - p < 4) throw new PcapngFormatError(span.offset - start + p, 'stray bytes where a name record header belongs');
    const type = u16(buf, p, le);
    const recordLength = u16(buf, p + 2, le);
    const next = p + 4 + padded4(recordLength);
    if (next > end) throw new PcapngFormatError(span.offset - start + p, `name record of ${recordLength} bytes overruns its block`);
    if (type === NameRecordType.END) {
      endOfRecords = true;
      p = next;
      break;
    }
    const value = buf.subarray(p + 4, p + 4 + recordLength);
    const { address, namesAt } = recordAddress(type, value);
    const names = namesAt < value.length ? optionString(value.subarray(namesAt)).split('\0').filter((n) => n !== '') : [];
    records.push({ type, value, address, names });
    p = next;
  }
  const { options, endOfOptions } = walkOptions(buf, p, end, le, span.offset - start);
  return {
    kind: 'nrb',
    type: BlockType.NRB,
    offset: span.offset,
    littleEndian: le,
    raw: buf.subarray(start, start + length),
    records,
    endOfRecords,
    options,
    endOfOptions,
    comments: allStrings(options, OptionCode.COMMENT),
    dnsName: firstString(options, OptionCode.NS_DNSNAME),
  };
}

function decodeInterfaceStatistics(span: BlockSpan, section: SectionState): InterfaceStatisticsBlock {
  const { buf, start, length } = span;
  const le = section.littleEndian;
  if (length < 24) throw tooShort(span, 'interface statistics block', 24);
  const { options, endOfOptions } = walkOptions(buf, start + 20, start + length - 4, le, span.offset - start);
  return {
    kind: 'isb',
    type: BlockType.ISB,
    offset: span.offset,
    littleEndian: le,
    raw: buf.subarray(start, start + length),
    interfaceId: u32(buf, start + 8, le),
    timestampHigh: u32(buf, start + 12, le),
    timestampLow: u32(buf, start + 16, le),
    options,
    endOfOptions,
    comments: allStrings(options, OptionCode.COMMENT),
    startTime: firstTimestamp(options, OptionCode.ISB_STARTTIME, le),
    endTime: firstTimestamp(options, OptionCode.ISB_ENDTIME, le),
    ifRecv: firstU64(options, OptionCode.ISB_IFRECV, le),
    ifDrop: firstU64(options, OptionCode.ISB_IFDROP, le),
    filterAccept: firstU64(options, OptionCode.ISB_FILTERACCEPT, le),
    osDrop: firstU64(options, OptionCode.ISB_OSDROP, le),
    usrDeliv: firstU64(options, OptionCode.ISB_USRDELIV, le),
  };
}

function decodeDecryptionSecrets(span: BlockSpan, section: SectionState): DecryptionSecretsBlock {
  const { buf, start, length } = span;
  const le = section.littleEndian;
  if (length < 20) throw tooShort(span, 'decryption secrets block', 20);
  const secretsLength = u32(buf, start + 12, le);
  const optionsStart = start + 16 + padded4(secretsLength);
  if (secretsLength > length - 20 || optionsStart > start + length - 4) {
    throw new PcapngFormatError(span.offset, `decryption secrets block of ${length} bytes cannot hold ${secretsLength} bytes of secrets`);
  }
  const { options, endOfOptions } = walkOptions(buf, optionsStart, start + length - 4, le, span.offset - start);
  return {
    kind: 'dsb',
    type: BlockType.DSB,
    offset: span.offset,
    littleEndian: le,
    raw: buf.subarray(start, start + length),
    secretsType: u32(buf, start + 8, le),
    secretsData: buf.subarray(start + 16, start + 16 + secretsLength),
    options,
    endOfOptions,
    comments: allStrings(options, OptionCode.COMMENT),
  };
}

function decodeCustom(span: BlockSpan, type: number, le: boolean): CustomBlock {
  const { buf, start, length } = span;
  if (length < 16) throw tooShort(span, 'custom block', 16);
  return {
    kind: 'custom',
    type,
    offset: span.offset,
    littleEndian: le,
    raw: buf.subarray(start, start + length),
    copyable: type === BlockType.CUSTOM_COPYABLE,
    pen: u32(buf, start + 8, le),
    payload: buf.subarray(start + 12, start + length - 4),
  };
}

function decodeUnknown(span: BlockSpan, type: number, le: boolean): UnknownBlock {
  const { buf, start, length } = span;
  return {
    kind: 'unknown',
    type,
    offset: span.offset,
    littleEndian: le,
    raw: buf.subarray(start, start + length),
    body: buf.subarray(start + 8, start + length - 4),
  };
}

/** Any block but an SHB, in the given section. Throws PcapngFormatError for malformed ones. */
export function decodeBlock(span: BlockSpan, type: number, section: SectionState): Block {
  switch (type) {
    case BlockType.EPB: return decodeEnhancedPacket(span, section);
    case BlockType.IDB: return decodeInterfaceDescription(span, section);
    case BlockType.SPB: return decodeSimplePacket(span, section);
    case BlockType.PB: return decodeObsoletePacket(span, section);
    case BlockType.NRB: return decodeNameResolution(span, section);
    case BlockType.ISB: return decodeInterfaceStatistics(span, section);
    case BlockType.DSB: return decodeDecryptionSecrets(span, section);
    case BlockType.CUSTOM_COPYABLE:
    case BlockType.CUSTOM_NO_COPY: return decodeCustom(span, type, section.littleEndian);
    default: return decodeUnknown(span, type, section.littleEndian);
  }
}
