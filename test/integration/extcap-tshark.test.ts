// `csharg extcap` (issue 20) with the real tshark (Debian's Wireshark 4.0) and the bed's REAL
// Packetflix v0.9.7 + Gostwire v2.4.1 (svc1) and the local source: installed into a temporary home
// with `csharg extcap --install`, tshark lists our interfaces, captures a bed target through each
// of them with the options passed as tshark passes them (-o extcap.IFACE.OPTION:VALUE), stops at
// `-a packets:100` (Wireshark stops the extcap with SIGTERM), and the packets read back are the
// UDP datagrams sent (consecutive sequence numbers from t1 to t2 on the test's port); a bad target
// shows our error text in tshark's output; a packetflix: link captures as Gostwire's UI hands it.
// Through the bed's nginx (TLS from the bed's own CA, a bearer token) the token-file and insecure
// options do their part: with them the capture works, with a wrong token nginx's 401 is the error.
// (Wireshark 4.0 does not hand the password-type token option set with -o to the extcap: seen.)
// Ports 47000-47999 are this file's; every capture filters on its own port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { processBaseName } from '../../src/core/target-match';
import { targetToJSON } from '../../src/core/target';
import { hostInterfaceName, LINK_INTERFACE, LOCAL_INTERFACE } from '../../src/cli/extcap/interfaces';
import { extcapOption, installExtcap, isRunning, loggedPids, readLog, runTshark, startTshark, waitForLog } from '../support/extcap';
import type { ExtcapHome } from '../support/extcap';
import { bedAddress, bedNamespace, requireBed, requireNginx, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { csharg } from '../unit/cli/csharg-process';

async function home(t: TestContext, hosts: string[]): Promise<ExtcapHome> {
  const h = await installExtcap(hosts);
  t.after(() => h.cleanup());
  return h;
}

/**
 * Runs `tshark -i IFACE OPTIONS… -a packets:100 -w FILE`; once the extcap's capture runs (its first
 * block), sends 150 datagrams t1 → t2 on `port`; returns tshark's outcome and the packets read back.
 */
async function captureHundred(bed: BedEnv, h: ExtcapHome, iface: string, options: string[], port: number, tsharkArgs: string[] = []) {
  const file = path.join(h.dir, `capture-${port}.pcapng`);
  const tshark = startTshark(['-i', iface, ...options, ...tsharkArgs, '-a', 'packets:100', '-w', file], h.env);
  await waitForLog(h.log, /capture running: first block/, 90_000, tshark.done);
  const sent = await sendUdp({ from: 't1', to: 't2', count: 150, rate: 100, port });
  assert.equal(sent.sent, 150);
  const run = await tshark.done;
  const rows = await tsharkFields(file, ['ip.src', 'ip.dst', 'udp.dstport', 'data.data']);
  return { run, file, rows };
}

/** The datagrams read back are 100 of the 150 sent: t1 → t2, our port, consecutive sequence numbers. */
function assertSentPackets(bed: BedEnv, rows: string[][], port: number): void {
  assert.equal(rows.length, 100, 'tshark stopped at -a packets:100');
  const seqs: number[] = [];
  for (const [src, dst, dport, data] of rows) {
    assert.equal(src, bedAddress(bed, 't1'));
    assert.equal(dst, bedAddress(bed, 't2'));
    assert.equal(Number(dport), port);
    seqs.push(Buffer.from(data!, 'hex').readUInt32BE(0));
  }
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, `consecutive sequence numbers: ${seqs.join(',')}`);
  assert.ok(seqs[0]! >= 0 && seqs.at(-1)! < 150, `sequence numbers among those sent: ${seqs[0]}..${seqs.at(-1)}`);
}

/** The extcap processes of a run have all exited, stopped by Wireshark's SIGTERM (or its closed FIFO). */
function assertExtcapStopped(h: ExtcapHome): void {
  const log = readLog(h.log);
  assert.match(log, /(stopped by SIGTERM|Wireshark closed the FIFO): \d+ blocks, \d+ bytes/);
  for (const pid of loggedPids(h.log)) assert.equal(isRunning(pid), false, `extcap process ${pid} has exited`);
}

test('after --install, tshark -D lists an interface per host, this machine and packetflix; --uninstall removes them', { timeout: 240_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const h = await home(t, [url]);
  const launcher = path.join(h.dir, '.config', 'wireshark', 'extcap', 'csharg-extcap');
  assert.match(h.installed.stdout.toString(), new RegExp(`wrote ${launcher}`));
  assert.ok((statSync(launcher).mode & 0o111) !== 0, 'the launcher is executable');
  const text = readFileSync(launcher, 'utf8');
  // absolute paths: this node and this csharg
  assert.ok(text.includes(`'${process.execPath}'`), text);
  // the extcap's own entry beside the csharg command's (it loads only the extcap)
  assert.ok(text.includes(`'${path.resolve(__dirname, '..', '..', 'src', 'cli', 'extcap', 'main.ts')}' "$@"`), text);

  const listed = await runTshark(['-D'], h.env);
  assert.equal(listed.code, 0, listed.stderr);
  const names = listed.stdout.split('\n').map((l) => /^\d+\. (\S+)/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
  assert.ok(names.includes(hostInterfaceName(url)), listed.stdout);
  assert.ok(names.includes(LOCAL_INTERFACE), listed.stdout);
  assert.ok(names.includes(LINK_INTERFACE), listed.stdout);
  assert.match(listed.stdout, new RegExp(`${hostInterfaceName(url).replace(/\./g, '\\.')} \\(Edgeshark ${url.replace(/\./g, '\\.')}\\)`));

  const removed = await csharg(['extcap', '--uninstall'], { env: h.env });
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout.toString(), /removed .*csharg-extcap/);
  const after = await runTshark(['-D'], h.env);
  assert.doesNotMatch(after.stdout, new RegExp(`${LOCAL_INTERFACE}|${hostInterfaceName(url).replace(/\./g, '\\.')}`));
});

test('tshark captures csharg-t2 through the real Packetflix (svc1): -a packets:100 stops it, the datagrams sent come back', { timeout: 240_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const iface = hostInterfaceName(url);
  const h = await home(t, [url]);
  const port = 47001;
  // the target by its process name alone, the interfaces and the filter as options; no promiscuous mode
  const { run, rows } = await captureHundred(bed, h, iface, [
    ...extcapOption(iface, 'target', bedNamespace(bed, 't2').name),
    ...extcapOption(iface, 'interfaces', 'eth0'),
    ...extcapOption(iface, 'filter', `udp port ${port}`),
    ...extcapOption(iface, 'no-promiscuous', 'true'),
  ], port, ['-f', `src host ${bedAddress(bed, 't1')}`]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /100 packets captured/);
  assertSentPackets(bed, rows, port);
  assert.match(readLog(h.log), new RegExp(`capturing ${bedNamespace(bed, 't2').name}\\(${bedNamespace(bed, 't2').keeperPid}\\) on ${url.replace(/\./g, '\\.')}`));
  assertExtcapStopped(h);
});

test('tshark captures csharg-t2 through this machine\'s local source (csharg-local)', { timeout: 240_000 }, async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const h = await home(t, []);
  const port = 47002;
  const { run, rows } = await captureHundred(bed, h, LOCAL_INTERFACE, [...extcapOption(LOCAL_INTERFACE, 'target', bedNamespace(bed, 't2').name)], port, [
    '-f',
    `udp port ${port}`,
  ]);
  assert.equal(run.code, 0, run.stderr);
  assertSentPackets(bed, rows, port);
  assert.match(readLog(h.log), /on this machine/);
  assertExtcapStopped(h);
});

test('a bad target: tshark shows our error text naming the target and the host', { timeout: 240_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const iface = hostInterfaceName(url);
  const h = await home(t, [url]);
  const wanted = `csharg-no-such-target-${process.pid}`;
  const run = await runTshark(['-i', iface, ...extcapOption(iface, 'target', wanted), '-a', 'packets:100', '-w', path.join(h.dir, 'bad.pcapng')], h.env);
  assert.notEqual(run.code, 0);
  assert.ok(run.stderr.includes(`Error by extcap pipe: csharg: capture target "${wanted}" not found on ${url}`), run.stderr);
  for (const pid of loggedPids(h.log)) assert.equal(isRunning(pid), false);
});

test('a packetflix: link as Gostwire\'s UI hands it over captures through the packetflix interface', { timeout: 240_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const port = 47003;
  // The target as Gostwire discovers it (its PID looked up now), in a link as its web UI makes them.
  const targets = await newSharkTankOnHost(url).targets();
  const t2 = targets.find((x) => processBaseName(x) === bedNamespace(bed, 't2').name);
  assert.ok(t2, 'svc1 discovers csharg-t2');
  const u = new URL(url);
  const link = `packetflix:ws://${u.host}/capture?container=${encodeURIComponent(targetToJSON(t2))}&nif=eth0&filter=${encodeURIComponent(`udp port ${port}`)}`;
  const h = await home(t, []);
  const { run, rows } = await captureHundred(bed, h, LINK_INTERFACE, extcapOption(LINK_INTERFACE, 'url', link), port);
  assert.equal(run.code, 0, run.stderr);
  // the link's own filter applied: only our port
  assertSentPackets(bed, rows, port);
  assert.match(readLog(h.log), new RegExp(`capturing ${t2.name.replace(/[()]/g, '\\$&')} on ${url.replace(/\./g, '\\.')}`));
  assertExtcapStopped(h);
});

test('through nginx (TLS, bearer token): the token-file and insecure options capture; a wrong token shows the 401', { timeout: 240_000 }, async (t) => {
  const ctx = await requireNginx(t);
  if (!ctx) return;
  const { bed, nginx } = ctx;
  const iface = hostInterfaceName(nginx.url);
  const h = await home(t, [nginx.url]);
  const port = 47004;
  // eth0 only: with t2's two interfaces the real Packetflix would apply tshark's -f to the last one
  // alone (dumpcap's -f follows the last -i; README), and eth0 would run unfiltered.
  const target = [...extcapOption(iface, 'target', bedNamespace(bed, 't2').name), ...extcapOption(iface, 'interfaces', 'eth0')];
  const tokenFile = path.join(h.dir, 'token');
  writeFileSync(tokenFile, `${nginx.token}\n`, { mode: 0o600 });
  const { run, rows } = await captureHundred(bed, h, iface, [...target, ...extcapOption(iface, 'token-file', tokenFile), ...extcapOption(iface, 'insecure', 'true')], port, [
    '-f',
    `udp port ${port}`,
  ]);
  assert.equal(run.code, 0, run.stderr);
  assertSentPackets(bed, rows, port);
  assertExtcapStopped(h);

  const wrongFile = path.join(h.dir, 'wrong-token');
  writeFileSync(wrongFile, 'not-the-token\n');
  const wrong = await runTshark(['-i', iface, ...target, ...extcapOption(iface, 'token-file', wrongFile), ...extcapOption(iface, 'insecure', 'true'), '-a', 'packets:1', '-w', path.join(h.dir, 'wrong.pcapng')], h.env);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /Error by extcap pipe: csharg: .*401/);
});
