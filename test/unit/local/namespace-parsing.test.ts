import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetnsMounts, unescapeMountPath } from '../../../src/core/local/bind-mounts';
import { parseNetnsLink } from '../../../src/core/local/ns-link';
import { upInterfaceNames } from '../../../src/core/local/ip-link';
import { parseCapEff, missingCapabilities } from '../../../src/core/local/capabilities';

test('namespace links name the inode of net namespaces only', () => {
  assert.equal(parseNetnsLink('net:[4026532246]'), 4026532246);
  assert.equal(parseNetnsLink('net:[4026532246]\n'), 4026532246);
  for (const bad of ['mnt:[4026531841]', 'net:[]', 'net:[abc]', 'net:[0]', '', 'net:4026532246']) {
    assert.equal(parseNetnsLink(bad), undefined, bad);
  }
});

test('mountinfo: nsfs net mounts by inode, with escaped paths decoded; other mounts ignored', () => {
  const mountinfo = [
    '22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
    '43 42 0:4 net:[4026532177] /run/netns/csharg-hub rw shared:2 - nsfs nsfs rw',
    '44 42 0:4 net:[4026532177] /var/run/netns/csharg-hub rw shared:2 - nsfs nsfs rw',
    '45 42 0:4 net:[4026532315] /run/netns/with\\040space\\012and\\134backslash rw shared:4 - nsfs nsfs rw',
    '46 42 0:4 mnt:[4026531841] /run/mntns/x rw shared:5 - nsfs nsfs rw',
    '47 42 0:4 net:[4026532386] /run/netns/opt rw shared:5 master:1 - nsfs nsfs rw',
    '',
  ].join('\n');
  const mounts = parseNetnsMounts(mountinfo);
  assert.deepEqual([...mounts.keys()].sort(), [4026532177, 4026532315, 4026532386]);
  assert.deepEqual(mounts.get(4026532177), ['/run/netns/csharg-hub', '/var/run/netns/csharg-hub']);
  assert.deepEqual(mounts.get(4026532315), ['/run/netns/with space\nand\\backslash']);
  assert.deepEqual(mounts.get(4026532386), ['/run/netns/opt']);
  assert.equal(unescapeMountPath('/a\\011b'), '/a\tb');
});

test('ip -j link: every interface but the operationally down ones', () => {
  const json: unknown = JSON.parse(
    JSON.stringify([
      { ifindex: 1, ifname: 'lo', operstate: 'UNKNOWN' },
      { ifindex: 2, ifname: 'ifb0', operstate: 'DOWN' },
      { ifindex: 3, ifname: 'eth0', operstate: 'UP' },
      { ifindex: 4, ifname: 'eth1', operstate: 'LOWERLAYERDOWN' },
      { ifindex: 5, operstate: 'UP' },
    ]),
  );
  assert.deepEqual(upInterfaceNames(json), ['lo', 'eth0', 'eth1']);
  assert.throws(() => upInterfaceNames({ not: 'a list' }), SyntaxError);
});

test('effective capabilities: CapEff parsed, missing ones named in the order asked', () => {
  const status = 'Name:\tnode\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t0000000000003000\nCapBnd:\t000001ffffffffff\n';
  const mask = parseCapEff(status);
  assert.equal(mask, 0x3000n);
  assert.deepEqual(missingCapabilities(mask ?? 0n, ['CAP_SYS_ADMIN', 'CAP_NET_RAW', 'CAP_NET_ADMIN']), ['CAP_SYS_ADMIN']);
  assert.deepEqual(missingCapabilities(0n, ['CAP_NET_RAW', 'CAP_NET_ADMIN']), ['CAP_NET_RAW', 'CAP_NET_ADMIN']);
  assert.equal(parseCapEff('Name:\tx\n'), undefined);
});
