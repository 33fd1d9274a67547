import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureInterfaces, dumpcapArguments } from '../../../src/core/local/dumpcap-args';
import { dumpcapFailure, dumpcapReason } from '../../../src/core/local/dumpcap-failure';
import { CapturePrivilegeError, DumpcapFailedError, DumpcapMissingError } from '../../../src/core/local/errors';
import { CshargError } from '../../../src/core/errors';

test('the filter follows every -i, so dumpcap applies it to every interface', () => {
  const args = dumpcapArguments(['eth0', 'lo', 'eth1'], { filter: 'udp port 53' });
  assert.deepEqual(args, ['-w', '-', '-n', '-q', '-i', 'eth0', '-f', 'udp port 53', '-i', 'lo', '-f', 'udp port 53', '-i', 'eth1', '-f', 'udp port 53']);
});

test('no filter: no -f; no promiscuous mode: -p once before the first -i (applies to all)', () => {
  assert.deepEqual(dumpcapArguments(['eth0'], {}), ['-w', '-', '-n', '-q', '-i', 'eth0']);
  assert.deepEqual(dumpcapArguments(['eth0', 'lo'], { avoidPromiscuousMode: true, filter: '' }), ['-w', '-', '-n', '-q', '-p', '-i', 'eth0', '-i', 'lo']);
});

test('interfaces: the options, else the target, else any', () => {
  const target = { name: 'x(1)', type: 'proc', netns: 5, networkInterfaces: ['lo', 'eth0'] };
  assert.deepEqual(captureInterfaces(target, { nifs: ['eth0'] }), ['eth0']);
  assert.deepEqual(captureInterfaces(target, { nifs: [] }), ['lo', 'eth0']);
  assert.deepEqual(captureInterfaces({ ...target, networkInterfaces: [] }, {}), ['any']);
  assert.deepEqual(captureInterfaces({ name: 'y', type: 'bindmount' }, {}), ['any']);
});

const BAD_FILTER = `Capturing on 'eth0' and 'Loopback: lo'
dumpcap: Invalid capture filter "udp port" for interface 'eth0'.

That string isn't a valid capture filter (can't parse filter expression: syntax error).
`;

test("dumpcap's reason is its first `dumpcap: ` line without the prefix", () => {
  assert.equal(dumpcapReason(BAD_FILTER), `Invalid capture filter "udp port" for interface 'eth0'.`);
  assert.equal(dumpcapReason('Capturing on x\n'), undefined);
  const error = dumpcapFailure('proc target "t(1)"', BAD_FILTER, 1, null, '/usr/bin/dumpcap');
  assert.ok(error instanceof DumpcapFailedError && error instanceof CshargError);
  assert.equal(error.reason, `Invalid capture filter "udp port" for interface 'eth0'.`);
  assert.equal(error.code, 'LOCAL_DUMPCAP_FAILED');
  assert.match(error.message, /proc target "t\(1\)".*Invalid capture filter "udp port"/);
});

test('permission failures of nsenter and dumpcap become privilege errors naming the capabilities', () => {
  const nsenter = dumpcapFailure('t', "nsenter: reassociate to namespace 'ns/net' failed: Operation not permitted\n", 1, null, '/usr/bin/dumpcap');
  assert.ok(nsenter instanceof CapturePrivilegeError);
  assert.deepEqual(nsenter.capabilities, ['CAP_SYS_ADMIN']);
  const dumpcap = dumpcapFailure('t', `Capturing on 'Loopback: lo'\ndumpcap: You do not have permission to capture on device "lo".\n(socket: Operation not permitted)\n`, 1, null, '/usr/bin/dumpcap');
  assert.ok(dumpcap instanceof CapturePrivilegeError);
  assert.deepEqual(dumpcap.capabilities, ['CAP_NET_RAW', 'CAP_NET_ADMIN']);
  assert.match(dumpcap.message, /CAP_NET_RAW, CAP_NET_ADMIN/);
});

test('nsenter failing to execute dumpcap is dumpcap missing, naming the Debian package', () => {
  const error = dumpcapFailure('t', 'nsenter: failed to execute /opt/dumpcap: No such file or directory\n', 127, null, '/opt/dumpcap');
  assert.ok(error instanceof DumpcapMissingError);
  assert.match(error.message, /\/opt\/dumpcap.*tshark/);
});

test('a dumpcap killed without a reason says by which signal', () => {
  const error = dumpcapFailure('t', '', null, 'SIGSEGV', '/usr/bin/dumpcap');
  assert.ok(error instanceof DumpcapFailedError);
  assert.equal(error.reason, undefined);
  assert.match(error.message, /killed by SIGSEGV/);
});

test('a dumpcap this user may not run says so and what to do, not "missing"', () => {
  const denied = new DumpcapMissingError('/usr/bin/dumpcap', { cause: Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }) });
  assert.equal(denied.code, 'LOCAL_TOOL_MISSING');
  assert.match(denied.message, /^dumpcap at \/usr\/bin\/dumpcap cannot be run by this user \(permission denied\): on Debian, add the user to the group wireshark/);
  const missing = new DumpcapMissingError('/usr/bin/dumpcap', { cause: Object.assign(new Error('ENOENT'), { code: 'ENOENT' }) });
  assert.match(missing.message, /^dumpcap is missing at \/usr\/bin\/dumpcap: install the Debian package tshark, which brings dumpcap in wireshark-common/);
});
