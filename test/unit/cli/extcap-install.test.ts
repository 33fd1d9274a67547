// `csharg extcap --install` / `--uninstall` into temporary homes: the launcher (absolute paths,
// quoted for sh, run for real), the hosts file, the packetflix: .desktop handler, and what
// --uninstall leaves alone. (Wireshark reading the launcher: test/integration/extcap-tshark.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { desktopFile, desktopText, extcapEntry, install, LAUNCHER_NAME, launcherText, personalExtcapDir, shellQuote, uninstall } from '../../../src/cli/extcap/install';
import { loadSettings } from '../../../src/cli/extcap/interfaces';

const execFileAsync = promisify(execFile);

function tempHome(t: TestContext): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-extcap-install-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, env: { HOME: dir } };
}

test('the personal extcap folder is $XDG_CONFIG_HOME/wireshark/extcap, else ~/.config/wireshark/extcap', () => {
  assert.equal(personalExtcapDir({ HOME: '/home/u' }), '/home/u/.config/wireshark/extcap');
  assert.equal(personalExtcapDir({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' }), '/cfg/wireshark/extcap');
  // a relative XDG_CONFIG_HOME is ignored, as the XDG spec says
  assert.equal(personalExtcapDir({ HOME: '/home/u', XDG_CONFIG_HOME: 'rel' }), '/home/u/.config/wireshark/extcap');
  assert.equal(desktopFile({ HOME: '/home/u' }), '/home/u/.local/share/applications/csharg-packetflix.desktop');
});

test('the launcher runs the given node, loader flags and script as `extcap`, quoted for sh, with the hosts file named', async (t) => {
  const { dir } = tempHome(t);
  // A script path with a quote and a blank, and /bin/echo as "node": the launcher's words come back as they were.
  const script = path.join(dir, "it's here", 'main.js');
  const settings = path.join(dir, 'cfg dir', 'extcap.json');
  const launcher = path.join(dir, 'launcher');
  writeFileSync(launcher, launcherText({ node: '/bin/echo', nodeArgs: ['--import', 'file:///x/$HOME/loader.mjs'], script, scriptArgs: ['extcap'] }, settings), { mode: 0o755 });
  const { stdout } = await execFileAsync(launcher, ['--extcap-interfaces', '--extcap-version=4.0', 'a b']);
  assert.equal(stdout, `--import file:///x/$HOME/loader.mjs ${script} extcap --extcap-interfaces --extcap-version=4.0 a b\n`);
  const env = await execFileAsync('sh', ['-c', `sed 's/^exec .*/echo "$CSHARG_EXTCAP_CONFIG"/' '${launcher}' | sh`]);
  assert.equal(env.stdout, `${settings}\n`);
  assert.equal(shellQuote("a'b"), `'a'\\''b'`);
});

test('--install writes the launcher (0755), the hosts file and the .desktop handler; --uninstall removes them', (t) => {
  const { dir, env } = tempHome(t);
  const self = { node: process.execPath, nodeArgs: [], script: '/opt/csharg/dist/cli/main.js', scriptArgs: ['extcap'] };
  const r = install({ hosts: ['http://198.18.255.2:5001', 'https://edge.example/edgeshark'], env, self });
  assert.equal(r.launcher, path.join(dir, '.config', 'wireshark', 'extcap', LAUNCHER_NAME));
  assert.equal(statSync(r.launcher).mode & 0o777, 0o755);
  assert.ok(readFileSync(r.launcher, 'utf8').includes(`exec '${process.execPath}' '/opt/csharg/dist/cli/main.js' 'extcap' "$@"`));
  assert.deepEqual(loadSettings({ ...env, CSHARG_EXTCAP_CONFIG: r.settings }).hosts.map((h) => h.name), ['edgeshark-198.18.255.2-5001', 'edgeshark-edge.example-edgeshark']);
  assert.equal(statSync(r.settings).mode & 0o777, 0o600, 'the hosts file is the user\'s alone');
  const desktop = readFileSync(r.desktop, 'utf8');
  assert.match(desktop, /^MimeType=x-scheme-handler\/packetflix;$/m);
  assert.ok(desktop.includes(`Exec="${r.launcher}" --open-link %u`), desktop);

  // --install without hosts keeps the hosts file
  install({ hosts: [], env, self });
  assert.equal(loadSettings({ ...env, CSHARG_EXTCAP_CONFIG: r.settings }).hosts.length, 2);
  // two URLs with one interface name are refused
  assert.throws(() => install({ hosts: ['http://a:5001', 'http://A:5001/'], env, self }), /two hosts give the same interface name edgeshark-a-5001/);

  const removed = uninstall({ env });
  assert.deepEqual(removed.sort(), [r.launcher, r.settings, r.desktop].sort());
  assert.equal(existsSync(r.launcher), false);
  assert.deepEqual(uninstall({ env }), []);
});

test('--install --dir DIR writes there; --uninstall leaves a launcher it did not write', (t) => {
  const { dir, env } = tempHome(t);
  const own = path.join(dir, 'extcap-dir');
  const self = { node: process.execPath, nodeArgs: [], script: '/x/main.js', scriptArgs: [] };
  const r = install({ dir: own, hosts: [], env, self });
  assert.equal(r.launcher, path.join(own, LAUNCHER_NAME));
  uninstall({ dir: own, env });
  assert.equal(existsSync(r.launcher), false);
  mkdirSync(own, { recursive: true });
  writeFileSync(path.join(own, LAUNCHER_NAME), '#!/bin/sh\necho someone else\n');
  assert.throws(() => uninstall({ dir: own, env }), /was not written by csharg extcap --install: left alone/);
  assert.equal(existsSync(path.join(own, LAUNCHER_NAME)), true);
});

test('the launcher runs the extcap\'s own entry beside the csharg command\'s script when it is there, else `csharg extcap`', () => {
  const cli = path.resolve(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
  assert.deepEqual(extcapEntry(cli), { script: path.join(path.dirname(cli), 'extcap', 'main.ts'), scriptArgs: [] });
  assert.deepEqual(extcapEntry('/nowhere/cli/main.js'), { script: '/nowhere/cli/main.js', scriptArgs: ['extcap'] });
});

test('the .desktop Exec line quotes the launcher as the Desktop Entry spec wants', () => {
  assert.match(desktopText('/home/a "b"/$x'), /^Exec="\/home\/a \\"b\\"\/\\\$x" --open-link %u$/m);
});
