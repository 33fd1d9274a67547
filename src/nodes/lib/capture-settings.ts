// The edgeshark-capture node's dialog settings, checked once at deploy so that a bad value shows
// as the node's status instead of failing later.
import { parseDuration } from '../../core/duration';
import { CshargError } from '../../core/errors';
import { parseTarget } from '../../core/target';
import type { CaptureOptions, Target } from '../../core/target';

export type OutputMode = 'chunks' | 'blocks' | 'packets' | 'batches';
const OUTPUT_MODES: readonly OutputMode[] = ['chunks', 'blocks', 'packets', 'batches'];

export interface StopConditions {
  /** 0 = no limit */
  readonly durationMs: number;
  readonly packets: number;
  readonly bytes: number;
}

export interface CaptureSettings {
  /** the target picked in the dialog; undefined = it must come with the message */
  readonly target: Target | undefined;
  readonly options: CaptureOptions;
  readonly stop: StopConditions;
  readonly startOnDeploy: boolean;
  readonly output: OutputMode;
  readonly batchPackets: number;
  readonly batchMs: number;
}

/** A capture node setting that cannot be used. */
export class CaptureSettingError extends CshargError {
  constructor(
    readonly setting: string,
    detail: string,
  ) {
    super('CAPTURE_SETTING', `${setting}: ${detail}`);
  }
}

function count(def: Record<string, unknown>, key: string, fallback: number): number {
  const value = def[key];
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new CaptureSettingError(key, `expected a whole number >= 0, got ${JSON.stringify(value)}`);
  return n;
}

function duration(def: Record<string, unknown>, key: string): number {
  const value = def[key];
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value !== 'string' && typeof value !== 'number') throw new CaptureSettingError(key, `expected a duration such as 10s, got ${typeof value}`);
  try {
    return parseDuration(String(value));
  } catch (err) {
    throw new CaptureSettingError(key, (err as Error).message);
  }
}

/** The dialog's stored target (JSON of a bare target), or undefined when none was picked. */
export function storedTarget(value: unknown): Target | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return parseTarget(typeof value === 'string' ? JSON.parse(value) : value);
  } catch (err) {
    throw new CaptureSettingError('target', (err as Error).message);
  }
}

function interfaces(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' && value !== '' ? value.split(',') : [];
  const names = list.map((v) => String(v).trim()).filter((v) => v !== '');
  // "all" (or nothing) means the target's own interfaces.
  return names.includes('all') ? [] : names;
}

export function captureSettings(def: Record<string, unknown>): CaptureSettings {
  const output = (def.output ?? 'batches') as OutputMode;
  if (!OUTPUT_MODES.includes(output)) throw new CaptureSettingError('output', `expected one of ${OUTPUT_MODES.join(', ')}, got ${JSON.stringify(def.output)}`);
  const nifs = interfaces(def.interfaces);
  const filter = typeof def.filter === 'string' ? def.filter.trim() : '';
  const settings: CaptureSettings = {
    target: storedTarget(def.target),
    options: {
      ...(nifs.length > 0 ? { nifs } : {}),
      ...(filter !== '' ? { filter } : {}),
      ...(def.noPromiscuous === true ? { avoidPromiscuousMode: true } : {}),
    },
    stop: { durationMs: duration(def, 'stopAfter'), packets: count(def, 'stopPackets', 0), bytes: count(def, 'stopBytes', 0) },
    startOnDeploy: def.start !== 'msg',
    output,
    batchPackets: count(def, 'batchPackets', 100),
    batchMs: count(def, 'batchMs', 1000),
  };
  if (output === 'batches' && settings.batchPackets === 0 && settings.batchMs === 0) {
    throw new CaptureSettingError('batchPackets', 'batches need a packet count or a time span above 0');
  }
  return settings;
}
