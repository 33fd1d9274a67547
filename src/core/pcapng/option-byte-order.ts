// Which option values hold numbers (so change with the byte order) and how wide they are.

import { OptionCode, isCustomOption } from './constants';
import type { Block } from './types';

type Layout = readonly number[];

const U32: Layout = [4];
const U64: Layout = [8];
const TIMESTAMP: Layout = [4, 4];

const IDB_LAYOUT = new Map<number, Layout>([
  [OptionCode.IF_SPEED, U64], [OptionCode.IF_TSOFFSET, U64], [OptionCode.IF_TXSPEED, U64], [OptionCode.IF_RXSPEED, U64],
]);
const EPB_LAYOUT = new Map<number, Layout>([
  [OptionCode.EPB_FLAGS, U32], [OptionCode.EPB_DROPCOUNT, U64], [OptionCode.EPB_PACKETID, U64], [OptionCode.EPB_QUEUE, U32],
]);
const PB_LAYOUT = new Map<number, Layout>([[OptionCode.PACK_FLAGS, U32]]);
const ISB_LAYOUT = new Map<number, Layout>([
  [OptionCode.ISB_STARTTIME, TIMESTAMP], [OptionCode.ISB_ENDTIME, TIMESTAMP], [OptionCode.ISB_IFRECV, U64],
  [OptionCode.ISB_IFDROP, U64], [OptionCode.ISB_FILTERACCEPT, U64], [OptionCode.ISB_OSDROP, U64], [OptionCode.ISB_USRDELIV, U64],
]);
const NO_LAYOUT = new Map<number, Layout>();

const LAYOUTS: Partial<Record<Block['kind'], Map<number, Layout>>> = {
  idb: IDB_LAYOUT, epb: EPB_LAYOUT, pb: PB_LAYOUT, isb: ISB_LAYOUT,
};

/** epb_verdict types 2 (eBPF TC) and 3 (eBPF XDP) carry a 64-bit number after the type byte. */
function verdictLayout(value: Buffer): { at: number; layout: Layout } | undefined {
  return value.length === 9 && (value[0] === 2 || value[0] === 3) ? { at: 1, layout: U64 } : undefined;
}

function numericFields(kind: Block['kind'], code: number, value: Buffer): { at: number; layout: Layout } | undefined {
  if (isCustomOption(code)) return value.length >= 4 ? { at: 0, layout: U32 } : undefined;
  if (kind === 'epb' && code === OptionCode.EPB_VERDICT) return verdictLayout(value);
  const layout = (LAYOUTS[kind] ?? NO_LAYOUT).get(code);
  if (layout === undefined) return undefined;
  const width = layout.reduce((a, b) => a + b, 0);
  return value.length === width ? { at: 0, layout } : undefined;
}

/** Copies `value` into out[p] with its numeric fields byte-swapped when `swap`. */
export function copyOptionValue(kind: Block['kind'], code: number, value: Buffer, swap: boolean, out: Buffer, p: number): void {
  value.copy(out, p);
  if (!swap) return;
  const fields = numericFields(kind, code, value);
  if (fields === undefined) return;
  let q = p + fields.at;
  for (const width of fields.layout) {
    out.subarray(q, q + width).reverse();
    q += width;
  }
}
