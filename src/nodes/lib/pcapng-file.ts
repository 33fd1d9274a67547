// Packets into pcapng files that rotate by size or age; every file is a valid pcapng of its own
// (SHB, then each interface's IDB before its first packet, then EPBs with nanosecond timestamps).
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { OptionCode, encodeBlock, option } from '../../core/pcapng';

/** One packet to write, as the capture node's messages carry it (or as read from chunks). */
export interface PacketRecord {
  readonly interface: string | null;
  readonly linkType: number;
  /** ns since the epoch; null = unknown (written as 0) */
  readonly timestampNs: bigint | null;
  readonly data: Buffer;
  readonly originalLength: number;
}

export interface RotationOptions {
  /** start a new file before one would exceed this many bytes; 0 = never */
  readonly maxBytes: number;
  /** start a new file when the current one is this old (ms); 0 = never */
  readonly maxAgeMs: number;
}

export interface ClosedFile {
  readonly file: string;
  readonly packets: number;
  readonly bytes: number;
}

const LE = true;
const NS_RESOLUTION = 9;

/** `dir/name.pcapng` → `dir/name-0003.pcapng` (rotating files are numbered from 1). */
export function numberedFile(file: string, index: number): string {
  const ext = path.extname(file) || '.pcapng';
  const base = path.extname(file) ? file.slice(0, -ext.length) : file;
  return `${base}-${String(index).padStart(4, '0')}${ext}`;
}

export class RotatingPcapngFile {
  #fd: number | undefined;
  #file = '';
  #index = 0;
  #openedAt = 0;
  #bytes = 0;
  #packets = 0;
  #interfaces = new Map<string, number>();

  constructor(
    private readonly file: string,
    private readonly rotation: RotationOptions,
    private readonly onClosed: (closed: ClosedFile) => void = () => undefined,
  ) {}

  get currentFile(): string | undefined {
    return this.#fd === undefined ? undefined : this.#file;
  }

  write(record: PacketRecord): void {
    const epbLength = 32 + Math.ceil(record.data.length / 4) * 4;
    const { maxBytes, maxAgeMs } = this.rotation;
    if (this.#fd !== undefined && this.#packets > 0) {
      const tooBig = maxBytes > 0 && this.#bytes + epbLength + 64 > maxBytes;
      const tooOld = maxAgeMs > 0 && Date.now() - this.#openedAt >= maxAgeMs;
      if (tooBig || tooOld) this.close();
    }
    if (this.#fd === undefined) this.#open();
    const key = `${record.linkType}\0${record.interface ?? ''}`;
    let id = this.#interfaces.get(key);
    if (id === undefined) {
      id = this.#interfaces.size;
      this.#interfaces.set(key, id);
      const options = [option.u8(OptionCode.IF_TSRESOL, NS_RESOLUTION)];
      if (record.interface) options.unshift(option.string(OptionCode.IF_NAME, record.interface));
      this.#append(encodeBlock({ kind: 'idb', linkType: record.linkType, snapLen: 0, littleEndian: LE, options, endOfOptions: true }, LE));
    }
    const ns = record.timestampNs ?? 0n;
    this.#append(encodeBlock({
      kind: 'epb', interfaceId: id, timestampHigh: Number(ns >> 32n), timestampLow: Number(ns & 0xffffffffn),
      originalLength: record.originalLength, data: record.data, littleEndian: LE,
    }, LE));
    this.#packets++;
  }

  /** Closes the current file (the next packet opens a new one). */
  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    this.onClosed({ file: this.#file, packets: this.#packets, bytes: this.#bytes });
  }

  #open(): void {
    this.#index++;
    const rotating = this.rotation.maxBytes > 0 || this.rotation.maxAgeMs > 0;
    this.#file = rotating ? numberedFile(this.file, this.#index) : this.file;
    this.#fd = openSync(this.#file, 'w');
    this.#openedAt = Date.now();
    this.#bytes = 0;
    this.#packets = 0;
    this.#interfaces = new Map();
    this.#append(encodeBlock({ kind: 'shb', littleEndian: LE, options: [option.string(OptionCode.SHB_USERAPPL, 'csharg node-red')], endOfOptions: true }, LE));
  }

  #append(bytes: Buffer): void {
    writeSync(this.#fd!, bytes);
    this.#bytes += bytes.length;
  }
}
