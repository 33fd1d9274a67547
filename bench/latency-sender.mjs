// Sends timestamped UDP datagrams for the e2e benchmark, run inside a bed namespace. Each payload
// starts with process.hrtime.bigint() at sending (CLOCK_MONOTONIC, the same clock in every process
// of this machine) and the sequence number. Bounded by --count and a two-minute limit.
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { to: { type: 'string' }, port: { type: 'string' }, count: { type: 'string' }, rate: { type: 'string' }, size: { type: 'string' } } });
const count = Math.min(Number(values.count ?? 1000), 2_000_000);
const rate = Number(values.rate ?? 1000);
const size = Math.max(12, Number(values.size ?? 16));
const socket = dgram.createSocket('udp4');
const started = Date.now();
for (let i = 0; i < count; i++) {
  const payload = Buffer.alloc(size);
  payload.writeBigUInt64BE(process.hrtime.bigint(), 0);
  payload.writeUInt32BE(i, 8);
  await new Promise((resolve, reject) => socket.send(payload, Number(values.port), values.to, (e) => (e ? reject(e) : resolve())));
  if (rate > 0) {
    const wait = started + ((i + 1) * 1000) / rate - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  if (Date.now() - started > 120_000) break;
}
socket.close();
