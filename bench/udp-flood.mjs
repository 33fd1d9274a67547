// A bounded UDP flood for the e2e benchmark, run inside a bed namespace: --count datagrams at
// --rate per second (paced in 1 ms ticks, several datagrams a tick, not awaiting each send), each
// payload starting with process.hrtime.bigint() at sending (CLOCK_MONOTONIC, one clock for every
// process of the machine) and its sequence number. Stops after --count and within two minutes;
// prints {"sent":N,"secs":S} at the end.
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { to: { type: 'string' }, port: { type: 'string' }, count: { type: 'string' }, rate: { type: 'string' }, size: { type: 'string' } } });
const to = values.to;
const port = Number(values.port);
if (!to || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--to ADDR and --port P are required');
const count = Math.min(Number(values.count ?? 1000), 5_000_000);
const rate = Number(values.rate ?? 1000);
const size = Math.max(12, Number(values.size ?? 16));
const HARD_LIMIT_MS = 120_000;
const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
// Nobody listens at the receiver: its ICMP port-unreachable answers reach a connected socket as
// ECONNREFUSED, which does not concern a flood.
let refused = 0;
socket.on('error', (e) => {
  if (e.code === 'ECONNREFUSED') refused++;
  else throw e;
});
socket.connect(port, to);
await new Promise((resolve) => socket.once('connect', resolve));
const started = process.hrtime.bigint();
let sent = 0;
let inFlight = 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
while (sent < count) {
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (elapsedMs > HARD_LIMIT_MS) break;
  const due = rate > 0 ? Math.min(count, Math.floor(((elapsedMs + 1) * rate) / 1000)) : Math.min(count, sent + 256);
  while (sent < due && inFlight < 4096) {
    const payload = Buffer.alloc(size);
    payload.writeBigUInt64BE(process.hrtime.bigint(), 0);
    payload.writeUInt32BE(sent, 8);
    inFlight++;
    socket.send(payload, () => inFlight--);
    sent++;
  }
  // let the sends complete; pace in ~1 ms steps
  await (rate > 0 && sent >= due ? sleep(1) : new Promise((resolve) => setImmediate(resolve)));
}
while (inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
const secs = Number(process.hrtime.bigint() - started) / 1e9;
socket.close();
process.stdout.write(`${JSON.stringify({ sent, secs, refused })}\n`);
