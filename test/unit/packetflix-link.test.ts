import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketflixLinkError, isPacketflixLink, parsePacketflixLink } from '../../src/core/host/packetflix-link';

const container = JSON.stringify({ name: 'web', type: 'docker', netns: 4026532246, 'network-interfaces': ['eth0', 'lo'], prefix: '' });

test('a Gostwire link gives the service URL, the target and the interfaces', () => {
  const link = `packetflix:ws://edge.example:5001/capture?container=${encodeURIComponent(container)}&nif=eth0/lo`;
  const parsed = parsePacketflixLink(link);
  assert.equal(parsed.serviceUrl, 'http://edge.example:5001');
  assert.equal(parsed.target.name, 'web');
  assert.equal(parsed.target.type, 'docker');
  assert.equal(parsed.target.netns, 4026532246);
  assert.deepEqual(parsed.options.nifs, ['eth0', 'lo']);
  assert.equal(parsed.options.filter, undefined);
  assert.equal(parsed.options.avoidPromiscuousMode, undefined);
});

test('wss, a base path, filter, chaste and nif=any', () => {
  const link = `packetflix:wss://h/base/capture?chaste&container=${encodeURIComponent(container)}&nif=any&filter=${encodeURIComponent('udp port 53')}`;
  const parsed = parsePacketflixLink(link);
  assert.equal(parsed.serviceUrl, 'https://h/base');
  assert.equal(parsed.options.nifs, undefined);
  assert.equal(parsed.options.filter, 'udp port 53');
  assert.equal(parsed.options.avoidPromiscuousMode, true);
});

test('isPacketflixLink tells links from names', () => {
  assert.equal(isPacketflixLink(' Packetflix:ws://x/capture'), true);
  assert.equal(isPacketflixLink('csharg-t1(666)'), false);
});

test('bad links are PacketflixLinkErrors naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['csharg-t1', /expected "packetflix:/],
    ['packetflix:not a url', /not a URL/],
    ['packetflix:http://h/capture?container=%7B%7D', /ws: or wss:/],
    ['packetflix:ws://h/other?container=%7B%7D', /ending in \/capture/],
    ['packetflix:ws://h/capture', /container parameter is missing/],
    ['packetflix:ws://h/capture?container=nope', /not JSON/],
    ['packetflix:ws://h/capture?container=%7B%22name%22%3A1%7D', /no target/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parsePacketflixLink(text), (err: unknown) => err instanceof PacketflixLinkError && err.code === 'PACKETFLIX_LINK' && message.test(err.message), text);
  }
});
