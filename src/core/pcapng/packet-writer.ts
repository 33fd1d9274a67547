// Packets back into one valid pcapng stream: one SHB first, then each interface's IDB on its first
// use, then the packets as EPBs. The one place where packets become pcapng blocks: packets read
// from captures (filtered, or merged from several captures and sections: each source interface
// keeps its IDB) and packets given as plain fields (a Node-RED message's packet, a JSON record:
// one IDB per link type and interface name, with nanosecond timestamps).

import { EPB_MIN_LENGTH, OptionCode, padded4 } from './constants';
import type { Packet } from './packet';
import type { InterfaceInfo, PcapngOption } from './types';
import { MACHINE_LITTLE_ENDIAN, encodeBlock, option } from './writer';

export interface PcapngWriterOptions {
  /** byte order of the output (default: this machine's) */
  readonly littleEndian?: boolean;
  /** shb_userappl (default `csharg`) */
  readonly userAppl?: string;
  /** opt_comment of the SHB */
  readonly comment?: string;
  /**
   * most interfaces in one section (default: no limit); a packet on one interface more starts a
   * new section (a new SHB) that forgets the interfaces of the last one: a bound on what packets
   * from untrusted input (message contents) can make the writer remember
   */
  readonly maxInterfaces?: number;
}

/** A packet as plain fields: what a Node-RED packet message or a JSON record carries. */
export interface PacketRecord {
  /** interface name (if_name); null = none */
  readonly interface: string | null;
  readonly linkType: number;
  /** ns since the epoch; null = unknown (written as 0) */
  readonly timestampNs: bigint | null;
  readonly data: Buffer;
  readonly originalLength: number;
}

/** if_tsresol of the interfaces the writer makes for records: nanoseconds. */
const RECORD_TSRESOL = 9;
const EMPTY = Buffer.alloc(0);

/** The bytes of the EPB the writer makes for a packet record of `capturedLength` bytes. */
export function recordBlockLength(capturedLength: number): number {
  return EPB_MIN_LENGTH + padded4(capturedLength);
}

/**
 * The IDB of records on this link type and interface name (if_name when there is one, if_tsresol
 * of nanoseconds): what the writer writes for them, and what a reader of it makes of them.
 */
export function recordInterfaceBlock(record: Pick<PacketRecord, 'interface' | 'linkType'>, littleEndian = MACHINE_LITTLE_ENDIAN): Buffer {
  const options = [option.u8(OptionCode.IF_TSRESOL, RECORD_TSRESOL)];
  if (record.interface) options.unshift(option.string(OptionCode.IF_NAME, record.interface));
  return encodeBlock({ kind: 'idb', linkType: record.linkType, snapLen: 0, littleEndian, options, endOfOptions: true }, littleEndian);
}

export class PcapngWriter {
  readonly #le: boolean;
  readonly #shbOptions: PcapngOption[];
  readonly #maxInterfaces: number;
  #started = false;
  /** output interface id of each source interface (one per section and interface) */
  readonly #interfaces = new Map<InterfaceInfo, number>();
  /** output interface id of each record interface (link type and name) */
  readonly #recordInterfaces = new Map<string, number>();

  constructor(options: PcapngWriterOptions = {}) {
    this.#le = options.littleEndian ?? MACHINE_LITTLE_ENDIAN;
    this.#maxInterfaces = options.maxInterfaces ?? Infinity;
    if (!(this.#maxInterfaces >= 1)) throw new RangeError(`PcapngWriter: maxInterfaces must be >= 1, got ${options.maxInterfaces}`);
    this.#shbOptions = [];
    if (options.comment !== undefined) this.#shbOptions.push(option.string(OptionCode.COMMENT, options.comment));
    this.#shbOptions.push(option.string(OptionCode.SHB_USERAPPL, options.userAppl ?? 'csharg'));
  }

  /** Interfaces written in the current section. */
  get interfaceCount(): number {
    return this.#interfaces.size + this.#recordInterfaces.size;
  }

  /** The bytes for this packet: the SHB and its interface's IDB first when still due. */
  write(packet: Packet | PacketRecord): Buffer {
    const parts: Buffer[] = [];
    if (!this.#started) parts.push(this.#header());
    if ('block' in packet) {
      let id = this.#interfaces.get(packet.iface);
      if (id === undefined) {
        this.#makeRoom(parts);
        id = this.interfaceCount;
        this.#interfaces.set(packet.iface, id);
        parts.push(encodeBlock({ ...packet.iface.idb, kind: 'idb' }, this.#le));
      }
      parts.push(this.#packetBlock(packet, id));
    } else {
      parts.push(...this.#record(packet));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** The output is complete: the SHB when nothing was written yet (a valid empty capture). */
  end(): Buffer {
    return this.#started ? EMPTY : this.#header();
  }

  #header(): Buffer {
    this.#started = true;
    return encodeBlock({ kind: 'shb', littleEndian: this.#le, options: this.#shbOptions, endOfOptions: true }, this.#le);
  }

  /** A new section when one more interface would pass the limit. */
  #makeRoom(parts: Buffer[]): void {
    if (this.interfaceCount < this.#maxInterfaces) return;
    this.#interfaces.clear();
    this.#recordInterfaces.clear();
    parts.push(this.#header());
  }

  #record(record: PacketRecord): Buffer[] {
    const parts: Buffer[] = [];
    const key = `${record.linkType}\0${record.interface ?? ''}`;
    let id = this.#recordInterfaces.get(key);
    if (id === undefined) {
      this.#makeRoom(parts);
      id = this.interfaceCount;
      this.#recordInterfaces.set(key, id);
      parts.push(recordInterfaceBlock(record, this.#le));
    }
    const ns = record.timestampNs ?? 0n;
    parts.push(encodeBlock({
      kind: 'epb', interfaceId: id, timestampHigh: Number(ns >> 32n), timestampLow: Number(ns & 0xffffffffn),
      originalLength: record.originalLength, data: record.data, littleEndian: this.#le,
    }, this.#le));
    return parts;
  }

  #packetBlock(packet: Packet, interfaceId: number): Buffer {
    const b = packet.block;
    if (b.kind === 'spb') {
      // An SPB belongs to interface 0 and has no timestamp: as an EPB it keeps its interface.
      return encodeBlock({ kind: 'epb', interfaceId, timestampHigh: 0, timestampLow: 0, originalLength: b.originalLength, data: b.data, littleEndian: this.#le }, this.#le);
    }
    // pack_flags and pack_hash have the codes and layout of epb_flags and epb_hash.
    let options = b.options;
    if (b.kind === 'pb' && b.dropsCount !== 0xffff) options = [...options, option.u64(OptionCode.EPB_DROPCOUNT, BigInt(b.dropsCount), b.littleEndian)];
    return encodeBlock({
      kind: 'epb', interfaceId, timestampHigh: b.timestampHigh, timestampLow: b.timestampLow, originalLength: b.originalLength,
      data: b.data, littleEndian: b.littleEndian, options, endOfOptions: b.endOfOptions || options !== b.options,
    }, this.#le);
  }
}

/** One pcapng stream holding these packets. */
export function toPcapngBytes(packets: Iterable<Packet | PacketRecord>, options: PcapngWriterOptions = {}): Buffer {
  const writer = new PcapngWriter(options);
  const parts: Buffer[] = [];
  for (const p of packets) parts.push(writer.write(p));
  parts.push(writer.end());
  return Buffer.concat(parts);
}
