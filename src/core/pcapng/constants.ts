// Numeric codes of the pcapng format (draft-ietf-opsawg-pcapng): block types, option codes, the
// byte-order magic and the fixed sizes of the blocks. The one place these numbers are written down:
// the reader, the writer, the SHB editor and reader (core/shb/) and --follow's block aligner take
// them from here (hot loops copy them into module-local consts once, at load).

export const BlockType = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  /** obsolete Packet Block */
  PB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  DSB: 0x0000000a,
  /** custom block that may be copied to new files */
  CUSTOM_COPYABLE: 0x00000bad,
  /** custom block that must not be copied to new files */
  CUSTOM_NO_COPY: 0x40000bad,
} as const;

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** The byte-order magic as read in the other byte order (a section written on a machine of the other endianness). */
export const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

/** The Enhanced Packet Block's type read in the other byte order (big-endian sections read as little-endian). */
export const EPB_TYPE_SWAPPED = 0x06000000;

export const OptionCode = {
  ENDOFOPT: 0,
  COMMENT: 1,
  CUSTOM_UTF8: 2988,
  CUSTOM_BINARY: 2989,
  CUSTOM_UTF8_NO_COPY: 19372,
  CUSTOM_BINARY_NO_COPY: 19373,
  SHB_HARDWARE: 2,
  SHB_OS: 3,
  SHB_USERAPPL: 4,
  IF_NAME: 2,
  IF_DESCRIPTION: 3,
  IF_IPV4ADDR: 4,
  IF_IPV6ADDR: 5,
  IF_MACADDR: 6,
  IF_EUIADDR: 7,
  IF_SPEED: 8,
  IF_TSRESOL: 9,
  IF_TZONE: 10,
  IF_FILTER: 11,
  IF_OS: 12,
  IF_FCSLEN: 13,
  IF_TSOFFSET: 14,
  IF_HARDWARE: 15,
  IF_TXSPEED: 16,
  IF_RXSPEED: 17,
  EPB_FLAGS: 2,
  EPB_HASH: 3,
  EPB_DROPCOUNT: 4,
  EPB_PACKETID: 5,
  EPB_QUEUE: 6,
  EPB_VERDICT: 7,
  PACK_FLAGS: 2,
  PACK_HASH: 3,
  NS_DNSNAME: 2,
  NS_DNSIP4ADDR: 3,
  NS_DNSIP6ADDR: 4,
  ISB_STARTTIME: 2,
  ISB_ENDTIME: 3,
  ISB_IFRECV: 4,
  ISB_IFDROP: 5,
  ISB_FILTERACCEPT: 6,
  ISB_OSDROP: 7,
  ISB_USRDELIV: 8,
} as const;

export const NameRecordType = {
  END: 0,
  IPV4: 1,
  IPV6: 2,
} as const;

/** Default cap of one block's length: a larger announced length is corruption, not data to buffer. */
export const DEFAULT_MAX_BLOCK_LENGTH = 64 * 1024 * 1024;

/** Every block: type, length, trailing length. */
export const MIN_BLOCK_LENGTH = 12;

/** The Section Header Block before its options: type, length, magic, major, minor, section length. */
export const SHB_FIXED_LENGTH = 24;

/** The smallest Section Header Block: its fixed part and the trailing length, no options. */
export const SHB_MIN_LENGTH = SHB_FIXED_LENGTH + 4;

/** The smallest Enhanced Packet Block: fixed fields and trailing length, no data, no options. */
export const EPB_MIN_LENGTH = 32;

/** An option's value length is a 16-bit field. */
export const MAX_OPTION_LENGTH = 0xffff;

export function isCustomOption(code: number): boolean {
  return code === OptionCode.CUSTOM_UTF8 || code === OptionCode.CUSTOM_BINARY
    || code === OptionCode.CUSTOM_UTF8_NO_COPY || code === OptionCode.CUSTOM_BINARY_NO_COPY;
}

/** Length rounded up to the 32-bit boundary that pcapng pads every field to. */
export function padded4(length: number): number {
  return (length + 3) & ~3;
}
