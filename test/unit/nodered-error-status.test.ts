// What a Node-RED user reads when something fails (issue 16, item 1): the status under the node
// starts with the short reason, and the text that reaches Catch nodes and the debug sidebar is the
// whole message, reason first, then the target and URL, then the code. Each error kind the nodes
// can meet, built as the core library builds it (the messages come from the real classes; the
// integration tests in nodered-capture.test.ts see the same texts from the real Packetflix).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CaptureConnectionLostError,
  CaptureFailedError,
  CaptureHandshakeError,
  CaptureProtocolError,
  CaptureWriterError,
  DiscoveryError,
} from '../../src/core/capture-errors';
import { ServiceUrlError, TargetNotFoundError } from '../../src/core/errors';
import { CapturePrivilegeError, DumpcapFailedError, DumpcapMissingError, TargetGoneError } from '../../src/core/local/errors';
import { MAX_STATUS_TEXT, describeError, errorStatus, errorText } from '../../src/nodes/lib/error-status';

const ctx = { target: 'proc "csharg-t2(4285)" on node "198.18.255.2" (netns 4026532300)', url: 'ws://198.18.255.2:5001/capture?container=%7B%7D&nif=eth0' };
const where = 'capture of proc "csharg-t2(4285)" on node "198.18.255.2" (netns 4026532300) at ws://198.18.255.2:5001/capture';

/** The checks every report must pass: reason first, the target after it, one line. */
function check(err: Error, reason: string, textStart: string): void {
  const report = describeError(err);
  assert.equal(report.reason, reason, err.message);
  assert.ok(report.text.startsWith(textStart), `${report.text}\n  should start with\n${textStart}`);
  assert.ok(!report.text.includes('\n'), 'one line');
  assert.equal(errorText(err), report.text);
  const status = errorStatus(err);
  assert.equal(status.fill, 'red');
  assert.ok((status.text ?? '').length <= MAX_STATUS_TEXT, status.text);
  assert.ok(reason.startsWith((status.text ?? '').replace(/…$/, '')), `status ${status.text} is the short reason`);
}

test('a bad filter: status "invalid capture filter", the text the server\'s reason, then the target, then the code', () => {
  const reason = 'Invalid capture filter "tcp port" for interface \'eth0\'.';
  const err = new CaptureFailedError(ctx, reason, 1006, reason);
  check(err, 'invalid capture filter', `${reason} — ${where} [CAPTURE_FAILED]`);
  assert.equal(errorStatus(err).text, 'invalid capture filter');
});

test('the server\'s other reasons: a missing interface, a process-less namespace, a gone target', () => {
  const eth9 = 'There is no device named "eth9".';
  check(new CaptureFailedError(ctx, eth9, 1006, eth9), 'no interface "eth9"', `no interface "eth9": ${eth9} — ${where}`);
  const lock = 'cannot lock target network stack';
  check(new CaptureFailedError(ctx, lock, 1006, lock), 'cannot enter the target (no process in it?)', `cannot enter the target (no process in it?): ${lock} — ${where}`);
  const gone = 'could not locate network namespace for container';
  check(new CaptureFailedError(ctx, gone, 1006, gone), 'target not found on the host (gone?)', `target not found on the host (gone?): ${gone}`);
  // a reason this code does not know is shown as the server gave it
  check(new CaptureFailedError(ctx, 'capture process failed', 1006, 'capture process failed'), 'capture process failed', `capture process failed — ${where}`);
  check(new CaptureFailedError(ctx, undefined, undefined, 'the server closed the connection without a reason'), 'capture failed (no reason given)', 'capture failed (no reason given): the server closed the connection without a reason — ');
});

test('HTTP answers to the handshake: 401, 403, 404, 502', () => {
  const detail = (s: number, m: string): string => `the server answered HTTP ${s} ${m} instead of switching to WebSocket`;
  check(new CaptureHandshakeError(ctx, 401, '', detail(401, 'Unauthorized')), 'unauthorized (HTTP 401)', `unauthorized (HTTP 401): ${detail(401, 'Unauthorized')} — ${where}`);
  check(new CaptureHandshakeError(ctx, 403, '', detail(403, 'Forbidden')), 'forbidden (HTTP 403)', 'forbidden (HTTP 403): ');
  check(new CaptureHandshakeError(ctx, 404, '', detail(404, 'Not Found')), 'not found (wrong URL or base path?) (HTTP 404)', 'not found (wrong URL or base path?) (HTTP 404): ');
  check(new CaptureHandshakeError(ctx, 502, '', detail(502, 'Bad Gateway')), 'service unavailable (HTTP 502)', 'service unavailable (HTTP 502): ');
});

test('unreachable hosts: refused, timed out, TLS', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 198.18.255.2:5001'), { code: 'ECONNREFUSED' });
  check(new CaptureHandshakeError(ctx, undefined, '', 'cannot open the capture WebSocket: connect ECONNREFUSED 198.18.255.2:5001', { cause: refused }),
    'host unreachable (connection refused)', 'host unreachable (connection refused): cannot open the capture WebSocket: connect ECONNREFUSED');
  check(new CaptureHandshakeError(ctx, undefined, '', 'no WebSocket handshake within 30000 ms (is the service reachable? raise the timeout?)'),
    'host unreachable (timeout)', 'host unreachable (timeout): no WebSocket handshake within 30000 ms');
  const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  check(new CaptureHandshakeError(ctx, undefined, '', 'cannot open the capture WebSocket: self-signed certificate', { cause: tls }), 'TLS error (certificate)', 'TLS error (certificate): ');
  const url = 'http://198.18.255.2:5001/discover/mobyshark';
  check(new DiscoveryError(url, undefined, '', 'connect ECONNREFUSED 198.18.255.2:5001', { cause: refused }),
    'host unreachable (connection refused)', `host unreachable (connection refused): discovery at ${url} failed: connect ECONNREFUSED 198.18.255.2:5001 [DISCOVERY_FAILED]`);
  check(new DiscoveryError(url, 401, '', 'HTTP 401 Unauthorized'), 'discovery unauthorized (HTTP 401)', `discovery unauthorized (HTTP 401): discovery at ${url} failed: HTTP 401 Unauthorized`);
  check(new DiscoveryError(url, 502, '', 'HTTP 502 Bad Gateway'), 'discovery service unavailable (HTTP 502)', 'discovery service unavailable (HTTP 502): ');
});

test('unknown targets, missing privileges, missing dumpcap, a target gone, dumpcap\'s own reason', () => {
  check(new TargetNotFoundError('{"name":"nope","type":"proc"}', 0), 'unknown target', 'unknown target: non-existing target {"name":"nope","type":"proc"} [TARGET_NOT_FOUND]');
  check(new TargetNotFoundError('{"name":"web"}', 2), 'ambiguous target', 'ambiguous target: non-existing target {"name":"web"} (ambiguous: 2 targets match)');
  check(new CapturePrivilegeError(['CAP_SYS_ADMIN'], 'cannot enter the network namespace'), 'missing privileges', 'missing privileges: not enough privilege for a local capture: cannot enter');
  check(new DumpcapMissingError('/usr/bin/dumpcap'), 'dumpcap missing', 'dumpcap missing: dumpcap is missing at /usr/bin/dumpcap');
  check(new TargetGoneError('proc "csharg-t2(4285)"', 'the process exited'), 'target gone', 'target gone: capture target gone: proc "csharg-t2(4285)"');
  const filter = 'Invalid capture filter "tcp port" for interface \'eth0\'.';
  check(new DumpcapFailedError('proc "csharg-t2(4285)"', filter, 2, null, ''), 'invalid capture filter', `${filter} — capture of proc "csharg-t2(4285)" on this machine [LOCAL_DUMPCAP_FAILED]`);
});

test('connection lost, protocol error, output failed, bad host URL, any other error', () => {
  check(new CaptureConnectionLostError(ctx, 'read ECONNRESET'), 'connection lost', `connection lost: read ECONNRESET — ${where}`);
  check(new CaptureProtocolError(ctx, 'the server sent a text message'), 'protocol error (is this Packetflix?)', 'protocol error (is this Packetflix?): the server sent a text message');
  check(new CaptureWriterError(ctx, 'EPIPE'), 'output failed', `output failed: EPIPE — ${where}`);
  check(new ServiceUrlError('x://y?z', 'only host name and optional port number allowed'), 'invalid host URL', 'invalid host URL: only host name and optional port number allowed [SERVICE_URL]');
  check(new RangeError('window: expected a whole number >= 1, got 0'), 'window: expected a whole number >= 1, got 0', 'window: expected a whole number >= 1, got 0');
  // a long reason is cut for the status, never for Catch
  const long = `Invalid thing ${'x'.repeat(200)}`;
  const err = new CaptureFailedError(ctx, long, 1006, long);
  assert.equal(errorStatus(err).text?.length, MAX_STATUS_TEXT);
  assert.ok(errorText(err).includes(long));
});
