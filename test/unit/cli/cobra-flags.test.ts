// Unit tests of the flag forms Siemens' csharg (cobra/pflag) accepts, issue 17: `-w=F`, `-i=eth0`,
// `-o=wide`, booleans with values (`--insecure=false`, `--debug=true`, `--no-headers=true`,
// `--avoid-promiscuous=true`), the last --host counting, and `csharg options`. Parsed by the real
// program with its actions replaced (no root, no network); the command runs as a child for the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { normalizeCobraFlags, parseCobraBool } from '../../../src/cli/cobra-flags';
import { buildProgram } from '../../../src/cli/main';
import { csharg } from './csharg-process';
import { SEMVER } from '../../../src/core/version';

const ARGV0 = ['node', 'csharg'];

function sub(cmd: Command, name: string): Command {
  const found = cmd.commands.find((c) => c.name() === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
}

interface Parsed {
  command: string;
  args: unknown[];
  flags: Record<string, unknown>;
  globals: Record<string, unknown>;
}

/** Parses `args` as main() does, with the list, capture and capture pod actions recording instead of running. */
async function parse(args: string[]): Promise<Parsed> {
  const program = buildProgram();
  program.exitOverride();
  let parsed: Parsed | undefined;
  const record = (command: string) => (...all: unknown[]) => {
    const cmd = all.at(-1) as Command;
    parsed = { command, args: all.slice(0, -2), flags: cmd.opts(), globals: program.opts() };
  };
  const capture = sub(program, 'capture');
  sub(program, 'list').action(record('list'));
  capture.action(record('capture'));
  sub(capture, 'pod').action(record('capture pod'));
  sub(program, 'merge').action(record('merge'));
  await program.parseAsync(normalizeCobraFlags(program, [...ARGV0, ...args]));
  if (!parsed) throw new Error('no action ran');
  return parsed;
}

test('short flags with = take the value without it, as pflag does: -w=F, -i=eth0, -o=wide, -f=…, -n=ns', async () => {
  const c = await parse(['capture', 'csharg-t2(42)', '-w=ts.pcapng', '-i=eth0', '-i=lo', '-f=udp port 48000']);
  assert.equal(c.command, 'capture');
  assert.deepEqual(c.args, ['csharg-t2(42)']);
  assert.equal(c.flags.write, 'ts.pcapng');
  assert.deepEqual(c.flags.interface, ['eth0', 'lo']);
  assert.equal(c.flags.filter, 'udp port 48000');
  // The other forms pflag and Commander share stay as they were.
  const joined = await parse(['capture', 'x', '-wout.pcapng', '-i', 'eth0', '--interface=lo', '--write=-', '-f', '-w=not-a-flag']);
  assert.equal(joined.flags.write, '-');
  assert.deepEqual(joined.flags.interface, ['eth0', 'lo']);
  assert.equal(joined.flags.filter, '-w=not-a-flag', 'the value of -f is the next argument, whatever it looks like');
  const list = await parse(['list', '-o=wide']);
  assert.equal(list.flags.output, 'wide');
  const pod = await parse(['capture', 'pod', '-n=kube-system', 'coredns', '-w=pod.pcapng']);
  assert.equal(pod.command, 'capture pod');
  assert.equal(pod.flags.namespace, 'kube-system');
  // -w= is an empty file name in pflag too, not "take the next argument".
  assert.deepEqual(normalizeCobraFlags(buildProgram(), [...ARGV0, 'capture', 'x', '-w=', 'y']), [...ARGV0, 'capture', 'x', '-w', '', 'y']);
});

test('booleans with a value: --insecure=false, --debug=true, -d=1, --no-headers=true, --avoid-promiscuous=true; the last one wins', async () => {
  const on = await parse(['--insecure=true', '--debug=true', 'capture', 'x', '--avoid-promiscuous=true', '-q=T']);
  assert.equal(on.globals.insecure, true);
  assert.equal(on.globals.debug, true);
  assert.equal(on.flags.avoidPromiscuous, true);
  assert.equal(on.flags.quiet, true);
  const off = await parse(['--insecure=false', '-d=0', 'capture', 'x', '--avoid-promiscuous=false', '-p=f']);
  assert.equal(off.globals.insecure, undefined);
  assert.equal(off.globals.debug, undefined);
  assert.equal(off.flags.avoidPromiscuous, undefined);
  // A later =false cancels an earlier flag (pflag sets the flag again); a later plain flag sets it again.
  const last = await parse(['-k', '-d', 'capture', 'x', '-p', '--insecure=false', '--avoid-promiscuous=FALSE', '--debug=false', '-d']);
  assert.equal(last.globals.insecure, undefined);
  assert.equal(last.flags.avoidPromiscuous, undefined);
  assert.equal(last.globals.debug, true);
  // Grouped short booleans, one with a value at the end.
  const group = await parse(['-kd=false', 'list']);
  assert.equal(group.globals.insecure, true);
  assert.equal(group.globals.debug, undefined);
  const noHeaders = await parse(['list', '--no-headers=true']);
  assert.equal(noHeaders.flags.headers, false);
  const headers = await parse(['list', '--no-headers=false']);
  assert.equal(headers.flags.headers, true);
});

test('pflag\'s boolean words only; anything else is csharg\'s error naming the flag', () => {
  for (const word of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseCobraBool(word, '-d, --debug'), true);
  for (const word of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseCobraBool(word, '-d, --debug'), false);
  for (const word of ['yes', 'no', '', 'tRUE', '2']) {
    assert.throws(() => normalizeCobraFlags(buildProgram(), [...ARGV0, `--debug=${word}`, 'list']), {
      message: new RegExp(`^invalid argument "${word}" for "-d, --debug" flag: expected true or false`),
    });
  }
  assert.throws(() => normalizeCobraFlags(buildProgram(), [...ARGV0, 'list', '--no-headers=yes']), /for "--no-headers" flag/);
});

test('after -- and for unknown flags nothing is rewritten', () => {
  const program = buildProgram();
  assert.deepEqual(normalizeCobraFlags(program, [...ARGV0, 'capture', '--', '-w=x']), [...ARGV0, 'capture', '--', '-w=x']);
  assert.deepEqual(normalizeCobraFlags(program, [...ARGV0, '--bogus=1', '-Z=2', 'list']), [...ARGV0, '--bogus=1', '-Z=2', 'list']);
});

test('several --host: the last one counts (csharg\'s string flag), merge keeps them all', async () => {
  const c = await parse(['--host', 'http://a:5001', 'capture', 'x', '--host=http://b:5001']);
  assert.deepEqual(c.globals.host, ['http://a:5001', 'http://b:5001']);
  const m = await parse(['--host=http://a:5001', 'merge', 'x', 'y', '--host', 'http://b:5001', '-w=both.pcapng']);
  assert.equal(m.command, 'merge');
  assert.deepEqual(m.globals.host, ['http://a:5001', 'http://b:5001']);
  assert.equal(m.flags.write, 'both.pcapng');
  // The command itself: discovery goes to the last host given (nothing listens on either port).
  const r = await csharg(['--host', 'http://127.0.0.1:1', '--host=http://127.0.0.1:9', 'list']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error: discovery at http:\/\/127\.0\.0\.1:9\/discover\/mobyshark failed/m);
  assert.doesNotMatch(r.stderr, /127\.0\.0\.1:1\//);
});

test('csharg options prints the global flags and nothing else', async () => {
  const r = await csharg(['options']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.toString().trimEnd().split('\n');
  const program = buildProgram();
  assert.equal(lines.length, program.options.length);
  for (const opt of program.options) {
    const line = lines.find((l) => l.trimStart().startsWith(opt.short ? `${opt.short}, ${opt.long}` : opt.long!));
    assert.ok(line, `${opt.flags} is listed`);
    assert.ok(line.includes(opt.description), `${opt.flags} has its description`);
  }
  assert.doesNotMatch(r.stdout.toString(), /--help|--interface|--output/);
});

test('usage errors print as every other error, Error: MESSAGE, and exit 1 (also a bad boolean value)', async () => {
  for (const [args, message] of [
    [['list', '--foo'], "Error: unknown option '--foo'"],
    [['capture', 'pod', '--zz', 'x'], "Error: unknown option '--zz'"],
    [['bogus'], "Error: unknown command 'bogus'"],
    [['--debug=maybe', 'list'], 'Error: invalid argument "maybe" for "-d, --debug" flag: expected true or false'],
  ] as const) {
    const r = await csharg([...args]);
    assert.equal(r.code, 1, args.join(' '));
    assert.ok(r.stderr.startsWith(message), r.stderr);
    assert.equal(r.stdout.length, 0);
  }
});

test('csharg version prints csharg\'s line (csharg version X (capture service clients: …)) with our version', async () => {
  const r = await csharg(['version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), `csharg version ${SEMVER} (capture service clients: host, local)\n`);
  // The shape of Siemens' csharg v1.0.2's own line, which scripts may parse.
  assert.match(r.stdout.toString(), /^csharg version \S+ \(capture service clients: [a-z, ]+\)\n$/);
});
