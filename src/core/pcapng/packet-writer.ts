// Packets (filtered, or merged from several captures and sections) back into one valid pcapng
// stream: one SHB first, then each source interface's IDB on its first use, then the packets.

import { OptionCode } from './constants';
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
}

const EMPTY = Buffer.alloc(0);

export class PcapngWriter {
  readonly #le: boolean;
  readonly #shbOptions: PcapngOption[];
  #started = false;
  /** output interface id of each source interface (one per section and interface) */
  readonly #interfaces = new Map<InterfaceInfo, number>();

  constructor(options: PcapngWriterOptions = {}) {
    this.#le = options.littleEndian ?? MACHINE_LITTLE_ENDIAN;
    this.#shbOptions = [];
    if (options.comment !== undefined) this.#shbOptions.push(option.string(OptionCode.COMMENT, options.comment));
    this.#shbOptions.push(option.string(OptionCode.SHB_USERAPPL, options.userAppl ?? 'csharg'));
  }

  /** The bytes for this packet: the SHB and its interface's IDB first when still due. */
  write(packet: Packet): Buffer {
    const parts: Buffer[] = [];
    if (!this.#started) parts.push(this.#header());
    let id = this.#interfaces.get(packet.iface);
    if (id === undefined) {
      id = this.#interfaces.size;
      this.#interfaces.set(packet.iface, id);
      const idb = packet.iface.idb;
      parts.push(encodeBlock({ ...idb, kind: 'idb' }, this.#le));
    }
    parts.push(this.#packetBlock(packet, id));
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
export function toPcapngBytes(packets: Iterable<Packet>, options: PcapngWriterOptions = {}): Buffer {
  const writer = new PcapngWriter(options);
  const parts: Buffer[] = [];
  for (const p of packets) parts.push(writer.write(p));
  parts.push(writer.end());
  return Buffer.concat(parts);
}
