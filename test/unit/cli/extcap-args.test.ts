// `csharg extcap`'s pieces without Wireshark: the command line Wireshark gives, the extcap
// sentences (in the grammar Wireshark 4.0 parses), the hosts file, and exit codes and messages.
// (tshark itself: test/integration/extcap-tshark.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { TestContext } from 'node:test';
import { combineFilters, ExtcapUsageError, parseExtcapArgs, splitInterfaces } from '../../../src/cli/extcap/args';
import { openLinkCommand, runExtcap } from '../../../src/cli/extcap/command';
import {
  ARG,
  configText,
  dltsText,
  hostInterfaceName,
  interfaceKind,
  interfacesText,
  LINK_INTERFACE,
  loadSettings,
  LOCAL_INTERFACE,
  preferenceName,
  targetValues,
  targetValuesText,
} from '../../../src/cli/extcap/interfaces';
import { parseTarget } from '../../../src/core/target';
import type { Target } from '../../../src/core/target';
import { csharg } from './csharg-process';

// The sentence grammar of Wireshark 4.0's extcap parser (extcap_parser.c, as its tshark binary holds it).
const SENTENCE = /^(arg|value|interface|extcap|dlt|control)(?=[\t ]+\{)/;
const FIELD = /\{([a-zA-Z_-]*?)=(.*?)\}(?=\{|$|\s)/g;

function fields(line: string): Record<string, string> {
  assert.match(line, SENTENCE, line);
  const out: Record<string, string> = {};
  const body = line.slice(line.indexOf('{'));
  let rebuilt = '';
  for (const m of body.matchAll(FIELD)) {
    out[m[1]!] = m[2]!;
    rebuilt += m[0];
  }
  assert.equal(rebuilt, body, `every field parses: ${line}`);
  return out;
}

function lines(text: string): string[] {
  assert.ok(text.endsWith('\n'));
  return text.slice(0, -1).split('\n');
}

function target(name: string, type: string, extra: Record<string, unknown> = {}): Target {
  return parseTarget({ name, type, netns: 4026532000 + name.length, 'network-interfaces': ['eth0', 'lo'], prefix: '', ...extra });
}

function tempEnv(t: TestContext, extra: NodeJS.ProcessEnv = {}): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-extcap-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, env: { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'cfg'), XDG_DATA_HOME: path.join(dir, 'data'), ...extra } };
}

function io(env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr, env }, out: () => out, err: () => err };
}

test('Wireshark\'s calls: interfaces with its version, dlts, config, a reload, a capture with options', () => {
  const list = parseExtcapArgs(['--extcap-interfaces', '--extcap-version=4.0']);
  assert.equal(list.mode, 'interfaces');
  assert.equal(list.wiresharkVersion, '4.0');
  assert.equal(parseExtcapArgs(['--extcap-dlts', '--extcap-interface', 'csharg-local']).mode, 'dlts');
  const reload = parseExtcapArgs(['--extcap-config', '--extcap-interface', 'x', '--extcap-reload-option', '--target', '--host', 'http://h:5001']);
  assert.equal(reload.mode, 'config');
  assert.equal(reload.reloadOption, 'target');
  assert.deepEqual(reload.hosts, ['http://h:5001']);
  const cap = parseExtcapArgs([
    '--capture', '--extcap-interface', 'edgeshark-h-5001', '--fifo', '/tmp/f', '--extcap-capture-filter', 'udp port 53',
    '--host', 'http://h:5001', '--target', 'web', '--interfaces', 'eth0,lo', '--filter=tcp', '--no-promiscuous', '--token', 't0k', '--token-file', '/run/t', '--insecure',
  ]);
  assert.equal(cap.mode, 'capture');
  assert.equal(cap.iface, 'edgeshark-h-5001');
  assert.equal(cap.fifo, '/tmp/f');
  assert.equal(cap.captureFilter, 'udp port 53');
  assert.equal(cap.target, 'web');
  assert.equal(cap.interfaces, 'eth0,lo');
  assert.equal(cap.filter, 'tcp');
  assert.equal(cap.noPromiscuous, true);
  assert.equal(cap.token, 't0k');
  assert.equal(cap.tokenFile, '/run/t');
  assert.equal(cap.insecure, true);
  // a value that looks like a flag is still the value
  assert.equal(parseExtcapArgs(['--capture', '--extcap-interface', 'x', '--fifo', 'f', '--filter', '--not-a-flag']).filter, '--not-a-flag');
});

test('booleans with values, options of later Wireshark versions passed over, our own modes', () => {
  const a = parseExtcapArgs(['--capture', '--extcap-interface', 'x', '--fifo', 'f', '--insecure=false', '--no-promiscuous=1', '--extcap-future', 'v', '--extcap-flag']);
  assert.equal(a.insecure, false);
  assert.equal(a.noPromiscuous, true);
  assert.equal(parseExtcapArgs([]).mode, 'help');
  assert.equal(parseExtcapArgs(['--extcap-version']).mode, 'version');
  assert.deepEqual(parseExtcapArgs(['--install', '--host', 'http://a:5001', '--host', 'http://b:5001', '--dir', '/d']).hosts, ['http://a:5001', 'http://b:5001']);
  assert.equal(parseExtcapArgs(['--open-link', 'packetflix:ws://h/capture?container=%7B%7D']).mode, 'open-link');
});

test('command lines that cannot run are ExtcapUsageErrors saying why', () => {
  const cases: [string[], RegExp][] = [
    [['--bogus'], /unknown option --bogus/],
    [['stray'], /unexpected argument "stray"/],
    [['--extcap-interfaces', '--capture'], /only one of --extcap-interfaces, --capture/],
    [['--capture', '--extcap-interface', 'x'], /--capture needs --fifo PATH/],
    [['--extcap-config'], /--extcap-config needs --extcap-interface NAME/],
    [['--capture', '--extcap-interface', 'x', '--fifo'], /--fifo needs a value/],
    [['--insecure=maybe'], /--insecure takes true or false/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseExtcapArgs(argv), (err: unknown) => err instanceof ExtcapUsageError && message.test(err.message), argv.join(' '));
});

test('interfaces split on commas, slashes and blanks; Wireshark\'s filter and the option\'s both apply', () => {
  assert.deepEqual(splitInterfaces('eth0, lo/eth1  eth2'), ['eth0', 'lo', 'eth1', 'eth2']);
  assert.deepEqual(splitInterfaces(''), []);
  assert.equal(combineFilters(undefined, ' '), undefined);
  assert.equal(combineFilters('udp', undefined), 'udp');
  assert.equal(combineFilters(undefined, 'tcp'), 'tcp');
  assert.equal(combineFilters('udp', 'udp'), 'udp');
  assert.equal(combineFilters('udp', 'port 53'), '(udp) and (port 53)');
});

test('interface names from service URLs, and the preference names tshark -o takes for their options', () => {
  assert.equal(hostInterfaceName('http://198.18.255.2:5001'), 'edgeshark-198.18.255.2-5001');
  assert.equal(hostInterfaceName('https://Edge.Example/edgeshark/'), 'edgeshark-edge.example-edgeshark');
  assert.equal(hostInterfaceName('http://[fd00::1]:5001'), 'edgeshark-fd00-1-5001');
  assert.throws(() => hostInterfaceName('not a url'), /not a service URL/);
  assert.equal(preferenceName('edgeshark-198.18.255.2-5001', 'no-promiscuous'), 'extcap.edgeshark_198_18_255_2_5001.nopromiscuous');
  assert.equal(preferenceName(LINK_INTERFACE, '--url'), 'extcap.packetflix.url');
});

test('the sentences parse as Wireshark 4.0 parses them: interfaces, dlts, each interface\'s options', () => {
  const settings = { hosts: [{ name: 'edgeshark-h-5001', url: 'http://h:5001' }], file: '/x' };
  const list = lines(interfacesText(settings)).map(fields);
  assert.ok(list[0]!.version);
  assert.deepEqual(list.slice(1).map((f) => f.value), ['edgeshark-h-5001', LOCAL_INTERFACE, LINK_INTERFACE]);
  assert.equal(fields(lines(dltsText())[0]!).name, 'EN10MB');

  const targets = [target('web{1}', 'docker'), target('csharg-t2(77)', 'proc'), target('default/pod', 'pod')];
  for (const kind of [interfaceKind(settings, 'edgeshark-h-5001'), interfaceKind(settings, LOCAL_INTERFACE), interfaceKind(settings, LINK_INTERFACE)]) {
    const parsed = lines(configText(kind, targets)).map((l) => ({ kind: l.split(' ')[0], f: fields(l) }));
    const args = parsed.filter((p) => p.kind === 'arg');
    const numbers = args.map((a) => a.f.number);
    assert.equal(new Set(numbers).size, numbers.length, 'unique arg numbers');
    for (const v of parsed.filter((p) => p.kind === 'value')) assert.ok(numbers.includes(v.f.arg), 'values refer to an arg');
    const calls = args.map((a) => a.f.call);
    if (kind.kind === 'link') assert.deepEqual(calls, ['--url', '--token', '--token-file', '--insecure']);
    if (kind.kind === 'local') assert.deepEqual(calls, ['--target', '--interfaces', '--filter', '--no-promiscuous']);
    if (kind.kind === 'host') {
      assert.deepEqual(calls, ['--host', '--target', '--interfaces', '--filter', '--no-promiscuous', '--token', '--token-file', '--insecure']);
      assert.equal(args[0]!.f.default, 'http://h:5001');
      const selector = args.find((a) => a.f.call === '--target')!.f;
      assert.equal(selector.type, 'selector');
      assert.equal(selector.reload, 'true');
    }
  }
  // a reload prints the selector's values only
  const reload = lines(targetValuesText(targets, 'csharg-t2')).map(fields);
  assert.ok(reload.every((f) => f.arg === String(ARG.target)));
  assert.equal(reload.find((f) => f.value === 'csharg-t2')?.default, 'true');
});

test('target values: a process by its name alone when that is unique, else with its PID; names with braces left out', () => {
  const values = targetValues([target('web(10)', 'proc'), target('db(11)', 'proc'), target('db(12)', 'proc'), target('x{y}', 'docker'), target('nginx', 'docker')]);
  assert.deepEqual(values.map((v) => v.value), ['db(11)', 'db(12)', 'nginx', 'web']);
  assert.equal(values.find((v) => v.value === 'web')!.display, 'web (process, PID 10)');
  assert.equal(values.find((v) => v.value === 'nginx')!.display, 'nginx (docker)');
  // a process named as another target is not taken by its bare name
  assert.deepEqual(targetValues([target('nginx(5)', 'proc'), target('nginx', 'docker')]).map((v) => v.value).sort(), ['nginx', 'nginx(5)']);
});

test('hosts come from the hosts file (URL strings or {name,url}) and CSHARG_HOST; a broken file names itself', (t) => {
  const { dir, env } = tempEnv(t);
  assert.deepEqual(loadSettings(env).hosts, []);
  const file = path.join(dir, 'cfg', 'csharg', 'extcap.json');
  assert.equal(loadSettings(env).file, file);
  const own = path.join(dir, 'hosts.json');
  writeFileSync(own, JSON.stringify({ hosts: ['http://a:5001', { name: 'edge-b', url: 'https://b/x' }] }));
  const withFile = { ...env, CSHARG_EXTCAP_CONFIG: own, CSHARG_HOST: 'http://c:5001' };
  assert.deepEqual(loadSettings(withFile).hosts, [
    { name: 'edgeshark-a-5001', url: 'http://a:5001' },
    { name: 'edge-b', url: 'https://b/x' },
    { name: 'edgeshark-c-5001', url: 'http://c:5001' },
  ]);
  // CSHARG_HOST already listed: once
  assert.equal(loadSettings({ ...withFile, CSHARG_HOST: 'http://a:5001' }).hosts.length, 2);
  writeFileSync(own, '{"hosts": [');
  assert.throws(() => loadSettings(withFile), new RegExp(`${own.replace(/[.]/g, '\\.')} is not JSON`));
  writeFileSync(own, '{"hosts": [{"name": "x"}]}');
  assert.throws(() => loadSettings(withFile), /a host without a "url"/);
  assert.throws(() => interfaceKind({ hosts: [], file: own }, 'eth0'), /no csharg interface "eth0" \(there are: csharg-local, packetflix; hosts come from/);
});

test('runExtcap: help, usage errors (exit 2), unknown interfaces (exit 1), one line on stderr', async (t) => {
  const { env } = tempEnv(t);
  const help = io(env);
  assert.equal(await runExtcap(['--help'], help.io), 0);
  assert.match(help.out(), /csharg extcap --install/);
  const usage = io(env);
  assert.equal(await runExtcap(['--extcap-dlts'], usage.io), 2);
  assert.equal(usage.err(), 'csharg: --extcap-dlts needs --extcap-interface NAME (csharg extcap --extcap-interfaces lists them)\n');
  const unknown = io(env);
  assert.equal(await runExtcap(['--extcap-dlts', '--extcap-interface', 'nope'], unknown.io), 1);
  assert.match(unknown.err(), /^csharg: no csharg interface "nope" .*\n$/);
  assert.equal(unknown.err().split('\n').length, 2);
  const noTarget = io(env);
  assert.equal(await runExtcap(['--capture', '--extcap-interface', LOCAL_INTERFACE, '--fifo', path.join(env.HOME!, 'none')], noTarget.io), 1);
  assert.match(noTarget.err(), /no target chosen for csharg-local: pick one in the interface's options \(extcap\.csharg_local\.target\)/);
  const noLink = io(env);
  assert.equal(await runExtcap(['--capture', '--extcap-interface', LINK_INTERFACE, '--fifo', path.join(env.HOME!, 'none')], noLink.io), 1);
  assert.match(noLink.err(), /no packetflix: link given/);
  const badLink = io(env);
  assert.equal(await runExtcap(['--capture', '--extcap-interface', LINK_INTERFACE, '--fifo', path.join(env.HOME!, 'none'), '--url', 'packetflix:ws://h/capture'], badLink.io), 1);
  assert.match(badLink.err(), /csharg: packetflix link: the container parameter is missing/);
  const link = `packetflix:ws://h:5001/capture?container=${encodeURIComponent(JSON.stringify({ name: 'web', type: 'docker', netns: 1, 'network-interfaces': ['eth0'], prefix: '' }))}`;
  const noTokenFile = io(env);
  const missing = path.join(env.HOME!, 'no-token');
  assert.equal(await runExtcap(['--capture', '--extcap-interface', LINK_INTERFACE, '--fifo', path.join(env.HOME!, 'none'), '--url', link, '--token-file', missing], noTokenFile.io), 1);
  assert.match(noTokenFile.err(), new RegExp(`^csharg: cannot read the token file ${missing.replace(/[.]/g, '\\.')}: ENOENT`));
});

test('--open-link: Wireshark started on the packetflix interface with the link as its option; a bad link refused', () => {
  const link = `packetflix:ws://h:5001/capture?container=${encodeURIComponent(JSON.stringify({ name: 'web', type: 'docker', netns: 1, 'network-interfaces': ['eth0'], prefix: '' }))}`;
  assert.deepEqual(openLinkCommand(` ${link} `, {}), { file: 'wireshark', args: ['-k', '-i', 'packetflix', '-o', `extcap.packetflix.url:${link}`] });
  assert.equal(openLinkCommand(link, { CSHARG_WIRESHARK: '/opt/ws/bin/wireshark' }).file, '/opt/ws/bin/wireshark');
  assert.throws(() => openLinkCommand('http://h', {}), /expected "packetflix:/);
});

test('through the csharg command: global flags after `extcap` reach the extcap (Wireshark passes --host, --token, --insecure)', { timeout: 120_000 }, async (t) => {
  const { env } = tempEnv(t, { PATH: process.env.PATH, CSHARG_HOST: 'http://198.51.100.7:5001' });
  const list = await csharg(['extcap', '--extcap-interfaces', '--extcap-version=4.0'], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout.toString(), /^interface \{value=edgeshark-198\.51\.100\.7-5001\}\{display=Edgeshark http:\/\/198\.51\.100\.7:5001\}$/m);
  const config = await csharg(['extcap', '--extcap-config', '--extcap-interface', LINK_INTERFACE, '--host', 'http://x:1', '--token', 'abc', '--insecure', '--debug'], { env });
  assert.equal(config.code, 0, config.stderr);
  assert.match(config.stdout.toString(), /\{call=--url\}/);
  const bad = await csharg(['extcap', '--capture', '--extcap-interface', 'edgeshark-198.51.100.7-5001', '--fifo', path.join(env.HOME!, 'f'), '--bogus'], { env });
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'csharg: unknown option --bogus (see csharg extcap --help)\n');
});
