// pcapng: streaming reader, packets, writer (no RxJS here; see src/rx/pcapng.ts).

export { BYTE_ORDER_MAGIC, BlockType, DEFAULT_MAX_BLOCK_LENGTH, NameRecordType, OptionCode } from './constants';
export { PcapngFormatError } from './errors';
export { Packet } from './packet';
export { PcapngPacketReader, packetOf } from './packet-reader';
export { PcapngWriter, recordBlockLength, toPcapngBytes } from './packet-writer';
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
