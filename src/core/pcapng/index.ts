// core/pcapng: the pcapng format: its constants (the one place block types and magic numbers are
// written down), the streaming reader, packets, the writer (no RxJS here; the operators are in
// src/rx/pcapng.ts).
//
// May import: the shared model at src/core/ root and core/shb/ (the capture target information of
// a section); never RxJS, src/rx/, src/nodes/ or src/cli/ (docs/architecture.md).

export { BYTE_ORDER_MAGIC, BlockType, DEFAULT_MAX_BLOCK_LENGTH, NameRecordType, OptionCode } from './constants';
export { PcapngFormatError } from './errors';
export { Packet } from './packet';
export { PcapngPacketReader, packetOf } from './packet-reader';
export { PcapngWriter, recordBlockLength, recordInterfaceBlock, toPcapngBytes } from './packet-writer';
export type { PacketRecord, PcapngWriterOptions } from './packet-writer';
export { PcapngReader } from './reader';
export type { PcapngReaderOptions } from './reader';
export { parseCaptureTargetYaml } from '../shb/target-yaml';
export { timestampMs, timestampNs, timestampScale } from './timestamp';
export type { TimestampScale } from './timestamp';
export { PcapngBlockStream, PcapngPacketStream } from './transform';
export type * from './types';
export { encodeBlock, option } from './writer';
export type { WritableBlock } from './writer';
