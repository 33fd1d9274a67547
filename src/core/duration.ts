// Durations as users type them on the command line and in flows, in Go's notation (csharg's
// flags are Go durations): "10s", "1m30s", "250ms", "1.5h", "0". A bare number means seconds.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Parses a duration into milliseconds; throws a RangeError naming the text when it is not one. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (s === '') throw new RangeError('invalid duration "": expected e.g. 10s, 1m30s, 250ms');
  let ms = 0;
  PART.lastIndex = 0;
  let matched = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== start) throw new RangeError(`invalid duration "${text}": expected e.g. 10s, 1m30s, 250ms`);
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched++;
  }
  if (matched === 0 || !Number.isFinite(ms)) throw new RangeError(`invalid duration "${text}": expected e.g. 10s, 1m30s, 250ms`);
  return ms;
}
