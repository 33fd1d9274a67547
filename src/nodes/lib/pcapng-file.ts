// Packets into pcapng files that rotate by size or age; every file is a valid pcapng of its own
// (SHB, then each interface's IDB before its first packet, then EPBs with nanosecond timestamps),
// written by the library's PcapngWriter (one per file).
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PcapngWriter, recordBlockLength } from '../../core/pcapng';
import type { PacketRecord } from '../../core/pcapng';

export type { PacketRecord } from '../../core/pcapng';

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
const USER_APPL = 'csharg node-red';
/** room left for the IDB a packet on a new interface brings along */
const IDB_ROOM = 64;

/** `dir/name.pcapng` → `dir/name-0003.pcapng` (rotating files are numbered from 1). */
export function numberedFile(file: string, index: number): string {
  const ext = path.extname(file) || '.pcapng';
  const base = path.extname(file) ? file.slice(0, -ext.length) : file;
  return `${base}-${String(index).padStart(4, '0')}${ext}`;
}

export class RotatingPcapngFile {
  #fd: number | undefined;
  #writer: PcapngWriter | undefined;
  #file = '';
  #index = 0;
  #openedAt = 0;
  #bytes = 0;
  #packets = 0;

  constructor(
    private readonly file: string,
    private readonly rotation: RotationOptions,
    private readonly onClosed: (closed: ClosedFile) => void = () => undefined,
  ) {}

  get currentFile(): string | undefined {
    return this.#fd === undefined ? undefined : this.#file;
  }

  write(record: PacketRecord): void {
    const { maxBytes, maxAgeMs } = this.rotation;
    if (this.#fd !== undefined && this.#packets > 0) {
      const tooBig = maxBytes > 0 && this.#bytes + recordBlockLength(record.data.length) + IDB_ROOM > maxBytes;
      const tooOld = maxAgeMs > 0 && Date.now() - this.#openedAt >= maxAgeMs;
      if (tooBig || tooOld) this.close();
    }
    if (this.#fd === undefined) this.#open();
    this.#append(this.#writer!.write(record));
    this.#packets++;
  }

  /** Closes the current file (the next packet opens a new one). */
  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    this.#writer = undefined;
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
    // the SHB now, so that a file is valid pcapng from its opening on
    this.#writer = new PcapngWriter({ littleEndian: LE, userAppl: USER_APPL });
    this.#append(this.#writer.end());
  }

  #append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    writeSync(this.#fd!, bytes);
    this.#bytes += bytes.length;
  }
}
