// Bounded traffic for the test bed, run inside a bed namespace by `edgeshark-testbed.sh traffic`.
// Every mode stops by itself: a fixed count of datagrams or bytes, and a hard time limit.
//   udp-send --to ADDR [--port 9999] [--count 100] [--rate 1000 datagrams/s, 0 = max] [--size 100]
//   tcp-sink [--port 9998] [--bytes N]       prints "listening", then the bytes received
//   tcp-send --to ADDR [--port 9998] [--bytes 100000] [--rate 0 bytes/s = as fast as possible]
import dgram from 'node:dgram';
import net from 'node:net';
import { parseArgs } from 'node:util';

const HARD_LIMIT_MS = 120_000;
const MAX_COUNT = 1_000_000;
const MAX_BYTES = 2 ** 31;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    to: { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string', default: '100' },
    rate: { type: 'string' },
    size: { type: 'string', default: '100' },
    bytes: { type: 'string', default: '100000' },
  },
});

function int(name, min, max) {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return v;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function udpSend() {
  const to = values.to;
  if (!to) throw new Error('--to is required');
  const port = values.port ? int('port', 1, 65535) : 9999;
  const count = int('count', 1, MAX_COUNT);
  const rate = values.rate === undefined ? 1000 : int('rate', 0, 10_000_000);
  const size = int('size', 0, 65507);
  const socket = dgram.createSocket(to.includes(':') ? 'udp6' : 'udp4');
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    // Each payload starts with its sequence number, so a receiver can tell which ones arrived.
    const payload = Buffer.alloc(size);
    if (size >= 4) payload.writeUInt32BE(i, 0);
    await new Promise((resolve, reject) => socket.send(payload, port, to, (err) => (err ? reject(err) : resolve())));
    if (rate > 0) {
      const due = started + ((i + 1) * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
    }
    if (Date.now() - started > HARD_LIMIT_MS) throw new Error('udp-send hit its time limit');
  }
  socket.close();
  process.stdout.write(`${JSON.stringify({ sent: count, bytes: count * size })}\n`);
}

async function tcpSink() {
  const port = values.port ? int('port', 1, 65535) : 9998;
  const expected = int('bytes', 0, MAX_BYTES);
  await new Promise((resolve, reject) => {
    let received = 0;
    const timer = setTimeout(() => reject(new Error('tcp-sink hit its time limit')), HARD_LIMIT_MS);
    const server = net.createServer((conn) => {
      conn.on('data', (d) => { received += d.length; });
      conn.on('end', () => conn.end());
      conn.on('close', () => {
        clearTimeout(timer);
        server.close();
        process.stdout.write(`${JSON.stringify({ received, expected })}\n`);
        resolve();
      });
      conn.on('error', reject);
    });
    server.on('error', reject);
    server.listen(port, () => process.stdout.write('listening\n'));
  });
}

async function tcpSend() {
  const to = values.to;
  if (!to) throw new Error('--to is required');
  const port = values.port ? int('port', 1, 65535) : 9998;
  const total = int('bytes', 0, MAX_BYTES);
  const rate = values.rate === undefined ? 0 : int('rate', 0, 10_000_000_000);
  const conn = net.connect({ host: to, port });
  await new Promise((resolve, reject) => { conn.once('connect', resolve); conn.once('error', reject); });
  const started = Date.now();
  const block = Buffer.alloc(16384, 0x61);
  let sent = 0;
  while (sent < total) {
    const n = Math.min(block.length, total - sent);
    if (!conn.write(block.subarray(0, n))) await new Promise((resolve) => conn.once('drain', resolve));
    sent += n;
    if (rate > 0) {
      const wait = started + (sent * 1000) / rate - Date.now();
      if (wait > 0) await sleep(wait);
    }
    if (Date.now() - started > HARD_LIMIT_MS) throw new Error('tcp-send hit its time limit');
  }
  conn.end();
  await new Promise((resolve, reject) => { conn.once('close', resolve); conn.once('error', reject); });
  process.stdout.write(`${JSON.stringify({ sent })}\n`);
}

const modes = { 'udp-send': udpSend, 'tcp-sink': tcpSink, 'tcp-send': tcpSend };
const mode = modes[positionals[0] ?? ''];
if (!mode) {
  process.stderr.write(`usage: traffic.mjs ${Object.keys(modes).join('|')} [options]\n`);
  process.exit(2);
}
mode().catch((err) => {
  process.stderr.write(`traffic: ${err.message}\n`);
  process.exit(1);
});
