// The blocks the reader produces and the writer consumes. Decoded convenience fields (names,
// counters, comments) are read from `options`; the writer encodes `options` as they are, so a
// block read and written again keeps its bytes.

import type { CaptureTargetMetadata } from '../shb/capture-metadata';
import type { TimestampScale } from './timestamp';

/** One option as stored: its value bytes (unpadded) in the byte order of its block. */
export interface PcapngOption {
  readonly code: number;
  readonly value: Buffer;
}

interface BlockCommon {
  /** block type code (for custom and unknown blocks the distinguishing field) */
  readonly type: number;
  /** absolute byte offset of the block in the stream it was read from */
  readonly offset: number;
  readonly littleEndian: boolean;
  /** the whole block as read (type to trailing length) */
  readonly raw: Buffer;
}

interface WithOptions {
  /** every option in stream order, opt_endofopt excluded */
  readonly options: readonly PcapngOption[];
  /** whether the option list ended in opt_endofopt (dumpcap writes it; Packetflix's SHB does not) */
  readonly endOfOptions: boolean;
  /** opt_comment values */
  readonly comments: readonly string[];
}

export interface SectionHeaderBlock extends BlockCommon, WithOptions {
  readonly kind: 'shb';
  /** 0 for the first section of the stream, then counting */
  readonly sectionIndex: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  /** -1n when not given */
  readonly sectionLength: bigint;
  readonly hardware: string | undefined;
  readonly os: string | undefined;
  readonly userAppl: string | undefined;
  /** the `# capture target information` YAML from the comments, parsed */
  readonly target: CaptureTargetMetadata | undefined;
}

export interface InterfaceFilter {
  /** 0 = libpcap filter string, 1 = BPF program, others reserved */
  readonly type: number;
  readonly value: Buffer;
}

export interface InterfaceDescriptionBlock extends BlockCommon, WithOptions {
  readonly kind: 'idb';
  readonly sectionIndex: number;
  /** index of this interface in its section */
  readonly interfaceId: number;
  readonly linkType: number;
  /** the 16 reserved bits after the link type, kept for round trips */
  readonly reserved: number;
  /** 0 = no limit */
  readonly snapLen: number;
  readonly name: string | undefined;
  readonly description: string | undefined;
  /** if_tsresol byte: 10^-n, or with the high bit 2^-(n & 0x7f); 6 when absent */
  readonly tsresol: number;
  /** if_tsoffset in seconds; 0n when absent */
  readonly tsOffset: bigint;
  readonly filter: InterfaceFilter | undefined;
  readonly os: string | undefined;
  readonly fcsLen: number | undefined;
  readonly speed: bigint | undefined;
}

/** What a packet needs of the interface it was captured on; computed once per IDB. */
export interface InterfaceInfo {
  readonly sectionIndex: number;
  readonly interfaceId: number;
  readonly linkType: number;
  readonly snapLen: number;
  readonly name: string | undefined;
  readonly idb: InterfaceDescriptionBlock;
  readonly scale: TimestampScale;
  readonly target: CaptureTargetMetadata | undefined;
}

interface PacketFields {
  readonly capturedLength: number;
  readonly originalLength: number;
  /** view of the captured bytes */
  readonly data: Buffer;
  /** the interface the packet was captured on */
  readonly iface: InterfaceInfo;
}

export interface EnhancedPacketBlock extends BlockCommon, WithOptions, PacketFields {
  readonly kind: 'epb';
  readonly interfaceId: number;
  readonly timestampHigh: number;
  readonly timestampLow: number;
  readonly flags: number | undefined;
  /** epb_hash: algorithm byte then hash */
  readonly hash: Buffer | undefined;
  readonly dropCount: bigint | undefined;
  readonly packetId: bigint | undefined;
  readonly queue: number | undefined;
  /** epb_verdict values: type byte then verdict data */
  readonly verdicts: readonly Buffer[];
}

export interface SimplePacketBlock extends BlockCommon, PacketFields {
  readonly kind: 'spb';
  /** always interface 0 */
  readonly interfaceId: 0;
}

/** The obsolete Packet Block (type 2). */
export interface ObsoletePacketBlock extends BlockCommon, WithOptions, PacketFields {
  readonly kind: 'pb';
  readonly interfaceId: number;
  readonly dropsCount: number;
  readonly timestampHigh: number;
  readonly timestampLow: number;
  readonly flags: number | undefined;
  readonly hash: Buffer | undefined;
}

export interface NameRecord {
  /** 1 = IPv4, 2 = IPv6, others kept raw */
  readonly type: number;
  readonly value: Buffer;
  /** dotted or colon notation for IPv4/IPv6 records */
  readonly address: string | undefined;
  readonly names: readonly string[];
}

export interface NameResolutionBlock extends BlockCommon, WithOptions {
  readonly kind: 'nrb';
  readonly records: readonly NameRecord[];
  /** whether the record list ended in nrb_record_end */
  readonly endOfRecords: boolean;
  readonly dnsName: string | undefined;
}

export interface InterfaceStatisticsBlock extends BlockCommon, WithOptions {
  readonly kind: 'isb';
  readonly interfaceId: number;
  readonly timestampHigh: number;
  readonly timestampLow: number;
  /** isb_starttime / isb_endtime in units of the interface's resolution */
  readonly startTime: bigint | undefined;
  readonly endTime: bigint | undefined;
  readonly ifRecv: bigint | undefined;
  readonly ifDrop: bigint | undefined;
  readonly filterAccept: bigint | undefined;
  readonly osDrop: bigint | undefined;
  readonly usrDeliv: bigint | undefined;
}

export interface DecryptionSecretsBlock extends BlockCommon, WithOptions {
  readonly kind: 'dsb';
  readonly secretsType: number;
  readonly secretsData: Buffer;
}

export interface CustomBlock extends BlockCommon {
  readonly kind: 'custom';
  /** false for 0x40000BAD: must not be copied into new files */
  readonly copyable: boolean;
  /** Private Enterprise Number */
  readonly pen: number;
  /** custom data and options after the PEN (their split is private to the PEN's owner) */
  readonly payload: Buffer;
}

export interface UnknownBlock extends BlockCommon {
  readonly kind: 'unknown';
  /** the bytes between length and trailing length */
  readonly body: Buffer;
}

export type PacketCarryingBlock = EnhancedPacketBlock | SimplePacketBlock | ObsoletePacketBlock;

export type Block =
  | SectionHeaderBlock
  | InterfaceDescriptionBlock
  | EnhancedPacketBlock
  | SimplePacketBlock
  | ObsoletePacketBlock
  | NameResolutionBlock
  | InterfaceStatisticsBlock
  | DecryptionSecretsBlock
  | CustomBlock
  | UnknownBlock;
