import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureConnectionLostError, CaptureFailedError, CaptureHandshakeError, CaptureProtocolError, DiscoveryError } from '../../src/core/capture-errors';
import { TargetNotFoundError } from '../../src/core/errors';
import { TargetLeftError } from '../../src/core/follow/errors';
import { targetLeftReason, targetsNamedLike } from '../../src/core/follow/match';
import { followVerdict } from '../../src/core/follow/policy';
import { CapturePrivilegeError, DumpcapFailedError, DumpcapMissingError, TargetGoneError } from '../../src/core/local/errors';
import { PcapngFormatError } from '../../src/core/pcapng';
import type { Target } from '../../src/core/target';

const ctx = { target: 'docker "web"', url: 'ws://host/capture' };

function why(error: unknown): string {
  const v = followVerdict(error);
  return v.retry ? 'retry' : v.why;
}

test('errors of a target that went away, or of a broken path to it, are retried', () => {
  for (const error of [
    new TargetGoneError('proc "x(1)"', 'process 1 has exited'),
    new TargetLeftError('bindmount "/run/netns/x"', 'moved'),
    new TargetNotFoundError('{"name":"web"}', 0),
    new CaptureConnectionLostError(ctx, 'ECONNRESET'),
    new CaptureHandshakeError(ctx, undefined, '', 'connection refused'),
    new CaptureHandshakeError(ctx, 502, 'bad gateway', 'HTTP 502'),
    new DiscoveryError('http://host/mobyshark', 503, '', 'HTTP 503'),
    new DumpcapFailedError('x', 'The network adapter on which the capture was being done is no longer running', 2, null, ''),
    new DumpcapFailedError('x', undefined, null, 'SIGKILL', ''),
    new CaptureFailedError(ctx, 'There is no device named "eth0".', 1006, 'dumpcap failed'),
  ]) {
    assert.equal(why(error), 'retry', error.message);
  }
});

test('401, 403 and 404 end following at once, saying what to check', () => {
  assert.match(why(new CaptureHandshakeError(ctx, 401, '', 'HTTP 401')), /refused the credentials \(HTTP 401\): check the token; retrying cannot fix that/);
  assert.match(why(new CaptureHandshakeError(ctx, 403, '', 'HTTP 403')), /forbids.*HTTP 403/);
  assert.match(why(new CaptureHandshakeError(ctx, 404, '', 'HTTP 404')), /no capture service at this URL \(HTTP 404\): check the URL and its path prefix/);
});

test('a bad filter, missing privilege or tools, a broken stream end following', () => {
  assert.match(why(new DumpcapFailedError('x', 'Invalid capture filter "udp port" for interface \'lo\'.', 2, null, '')), /capture filter was rejected/);
  assert.match(why(new CaptureFailedError(ctx, "can't parse filter expression", 1006, 'dumpcap failed')), /capture filter was rejected/);
  assert.match(why(new CapturePrivilegeError(['CAP_NET_RAW'], 'no')), /lacks the privilege/);
  assert.match(why(new DumpcapMissingError('/usr/bin/dumpcap')), /program the capture needs is missing/);
  assert.match(why(new CaptureProtocolError(ctx, 'text message')), /broke the capture protocol/);
  assert.match(why(new PcapngFormatError(12, 'bad')), /not valid pcapng/);
  assert.match(why(new TypeError('boom')), /unexpected error \(boom\); not retried/);
});

const node = 'host1';
const old: Target = { name: '/run/netns/app', type: 'bindmount', netns: 100, prefix: '', nodeName: node };
const renewed: Target = { ...old, netns: 200 };

test('a followed target is found again by name, type, prefix and node', () => {
  const list: Target[] = [renewed, { ...renewed, type: 'proc' }, { ...renewed, prefix: 'kind' }, { ...renewed, nodeName: 'other' }];
  assert.deepEqual(targetsNamedLike({ name: '/run/netns/app', type: 'bindmount' }, list), [renewed, { ...renewed, nodeName: 'other' }]);
  assert.deepEqual(targetsNamedLike(old, list), [renewed]);
  assert.deepEqual(targetsNamedLike({ name: '/run/netns/other', type: '' }, list), []);
});

test('a target has left when its name moved to another namespace or its namespace vanished', () => {
  assert.equal(targetLeftReason(old, [old]), undefined);
  // only the capture's own dumpcap keeps the deleted namespace: discovery lists it as a process
  assert.equal(targetLeftReason(old, [{ name: 'dumpcap(9)', type: 'proc', netns: 100, nodeName: node }]), undefined);
  assert.match(targetLeftReason(old, [renewed, { name: 'dumpcap(9)', type: 'proc', netns: 100 }]) ?? '', /now belongs to network namespace 200, not 100/);
  assert.match(targetLeftReason(old, []) ?? '', /no discovered target has network namespace 100/);
  assert.equal(targetLeftReason({ name: 'web', type: 'docker' }, []), undefined, 'a bare target has no namespace to lose');
});
