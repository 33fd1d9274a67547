// dumpcap's command line for a capture. Unlike Packetflix, which puts one `-f` after the last
// `-i` (so only the last interface is filtered), the filter follows EVERY `-i`: dumpcap applies a
// `-f` to the `-i` given last before it.

import type { CaptureOptions, Target } from '../target';

/** The interfaces to capture: the options' list, else the target's, else the `any` pseudo-device. */
export function captureInterfaces(target: Target, options: CaptureOptions): string[] {
  if (options.nifs && options.nifs.length > 0) return [...options.nifs];
  if (target.networkInterfaces && target.networkInterfaces.length > 0) return [...target.networkInterfaces];
  return ['any'];
}

/** `-w - -n -q [-p] -i IF1 [-f FILTER] -i IF2 [-f FILTER] ...`: pcapng to stdout. */
export function dumpcapArguments(interfaces: readonly string[], options: CaptureOptions): string[] {
  const args = ['-w', '-', '-n', '-q'];
  // Before the first -i, -p applies to every interface.
  if (options.avoidPromiscuousMode) args.push('-p');
  for (const nif of interfaces) {
    args.push('-i', nif);
    if (options.filter) args.push('-f', options.filter);
  }
  return args;
}
