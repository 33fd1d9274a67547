// `csharg packets FILE...`: one JSON object per packet per line, for jq and for cross-checks
// against tshark. `-` reads stdin. Files are streamed, never read whole.

import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { PcapngPacketReader } from '../core/pcapng';
import type { Packet } from '../core/pcapng';
import { errorMessage } from '../core/errors';

function packetLine(p: Packet): string {
  const ts = p.timestampNs;
  return `{"ts":${ts === null ? 'null' : `"${ts}"`},"iface":${p.interfaceName === undefined ? 'null' : JSON.stringify(p.interfaceName)},`
    + `"caplen":${p.capturedLength},"len":${p.originalLength},"linktype":${p.linkType}}\n`;
}

async function printFile(name: string, input: NodeJS.ReadableStream, out: NodeJS.WritableStream): Promise<void> {
  const reader = new PcapngPacketReader();
  let text = '';
  const collect = (p: Packet): void => {
    text += packetLine(p);
  };
  for await (const chunk of input) {
    reader.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, collect);
    if (text !== '') {
      const flushed = out.write(text);
      text = '';
      if (!flushed) await once(out, 'drain');
    }
  }
  reader.end();
}

/** Prints the packets of each file in turn; rejects naming the file (and byte offset) on failure. */
export async function runPackets(files: string[], out: NodeJS.WritableStream, stdin: NodeJS.ReadableStream): Promise<void> {
  for (const file of files) {
    const name = file === '-' ? 'stdin' : file;
    const input = file === '-' ? stdin : createReadStream(file, { highWaterMark: 256 * 1024 });
    try {
      await printFile(name, input, out);
    } catch (e) {
      if (file !== '-') (input as ReturnType<typeof createReadStream>).destroy();
      throw new Error(`${name}: ${errorMessage(e)}`, { cause: e });
    }
  }
}
