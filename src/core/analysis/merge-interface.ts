// Interfaces of merged captures, renamed `node/target/interface` so that one file can hold the
// same interface name (eth0) of many targets and hosts, and Wireshark tells them apart.

import { OptionCode } from '../pcapng/constants';
import { Packet } from '../pcapng/packet';
import type { InterfaceInfo, PcapngOption, PacketCarryingBlock } from '../pcapng/types';

/**
 * `node/target/interface` from the section's capture target metadata (`node-name`,
 * `container-name`) and the interface's if_name. A missing part becomes `?` (`if3` for an
 * unnamed interface with id 3), so the name always has three parts.
 */
export function mergedInterfaceName(iface: InterfaceInfo): string {
  const node = iface.target?.['node-name'] || '?';
  const target = iface.target?.['container-name'] || '?';
  const name = iface.name ?? `if${iface.interfaceId}`;
  return `${node}/${target}/${name}`;
}

function withName(options: readonly PcapngOption[], name: string): PcapngOption[] {
  const value = Buffer.from(name, 'utf8').subarray(0, 0xffff);
  const rest = options.filter((o) => o.code !== OptionCode.IF_NAME);
  return [{ code: OptionCode.IF_NAME, value }, ...rest];
}

/** Renames each source interface once; the copies are stable, so the writer gives one IDB each. */
export class InterfaceRenamer {
  readonly #renamed = new WeakMap<InterfaceInfo, InterfaceInfo>();

  interfaceOf(iface: InterfaceInfo): InterfaceInfo {
    let renamed = this.#renamed.get(iface);
    if (renamed === undefined) {
      const name = mergedInterfaceName(iface);
      const idb = { ...iface.idb, name, options: withName(iface.idb.options, name) };
      renamed = { ...iface, name, idb };
      this.#renamed.set(iface, renamed);
    }
    return renamed;
  }
}

/** A packet of a merged stream: the source's block on its renamed interface. */
export class MergedPacket extends Packet {
  constructor(
    block: PacketCarryingBlock,
    iface: InterfaceInfo,
    /** index of the source Observable it came from */
    readonly source: number,
    /** emitted out of time order: older than a packet already emitted, or without a timestamp */
    readonly late: boolean,
  ) {
    super(block, iface);
  }
}
