// A capture server that answers the WebSocket upgrade like Packetflix but sends bytes that are not
// pcapng (or stop being pcapng part-way), then ends as Packetflix does when dumpcap exits:
// Close 1000 `capture process terminated`. For the fault tests of the pcapng reader on the wire.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { encodeBlock, option } from '../../src/core/pcapng';

/** What the server sends: an HTML page, or an SHB and IDB followed by a block of length 13. */
export type GarbageKind = 'html' | 'after-header';

export interface GarbageCaptureServer {
  /** the service URL for newSharkTankOnHost */
  readonly url: string;
  /** the bytes each capture receives */
  readonly payload: Buffer;
  /** where the bytes stop being pcapng, as sent (before any SHB edit by the client) */
  readonly badOffset: number;
  close(): Promise<void>;
}

function payloadOf(kind: GarbageKind): { payload: Buffer; badOffset: number } {
  if (kind === 'html') return { payload: Buffer.from('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n'), badOffset: 0 };
  const header = Buffer.concat([
    encodeBlock({ kind: 'shb', littleEndian: true, options: [option.string(4, 'garbage-capture-server')], endOfOptions: true }, true),
    encodeBlock({ kind: 'idb', linkType: 1, snapLen: 65535, littleEndian: true, options: [], endOfOptions: false }, true),
  ]);
  // an EPB type whose length (13) is no multiple of 4
  const broken = Buffer.from([6, 0, 0, 0, 13, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]);
  return { payload: Buffer.concat([header, broken]), badOffset: header.length };
}

/** Listens on 127.0.0.1:`port` (a port of the fault tests' range). */
export async function startGarbageCaptureServer(kind: GarbageKind, port: number): Promise<GarbageCaptureServer> {
  const { payload, badOffset } = payloadOf(kind);
  const server = http.createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ server, path: '/capture' });
  wss.on('connection', (ws) => {
    ws.send(payload, { binary: true }, () => ws.close(1000, 'capture process terminated'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    payload,
    badOffset,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
