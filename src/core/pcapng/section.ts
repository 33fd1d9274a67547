// What the reader knows about the current section: byte order, interfaces, target metadata.

import type { CaptureTargetMetadata } from '../shb/capture-metadata';
import { OptionCode } from './constants';
import { timestampScale } from './timestamp';
import type { InterfaceDescriptionBlock, InterfaceInfo } from './types';

export interface SectionState {
  readonly index: number;
  readonly littleEndian: boolean;
  readonly interfaces: InterfaceInfo[];
  readonly target: CaptureTargetMetadata | undefined;
}

export function interfaceInfo(idb: InterfaceDescriptionBlock, target: CaptureTargetMetadata | undefined): InterfaceInfo {
  return {
    sectionIndex: idb.sectionIndex,
    interfaceId: idb.interfaceId,
    linkType: idb.linkType,
    snapLen: idb.snapLen,
    name: idb.name,
    idb,
    scale: timestampScale(idb.tsresol, idb.tsOffset),
    target,
  };
}

/** if_tsresol when present and one byte long, else the default of microseconds. */
export function tsresolOf(options: InterfaceDescriptionBlock['options']): number {
  for (const o of options) if (o.code === OptionCode.IF_TSRESOL && o.value.length === 1) return o.value[0]!;
  return 6;
}
