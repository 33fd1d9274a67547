// The interfaces of a network namespace as `ip -j link` reports them. Like Gostwire, a target
// lists the interfaces that are not operationally down (lo reports UNKNOWN and counts as up).

/** Names of the interfaces in `ip -j link` output whose operstate is not DOWN. */
export function upInterfaceNames(json: unknown): string[] {
  if (!Array.isArray(json)) throw new SyntaxError('ip -j link: expected a JSON array');
  const names: string[] = [];
  for (const item of json as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const link = item as { ifname?: unknown; operstate?: unknown };
    if (typeof link.ifname !== 'string' || link.ifname === '') continue;
    if (link.operstate === 'DOWN') continue;
    names.push(link.ifname);
  }
  return names;
}
