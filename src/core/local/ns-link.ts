// The text of a namespace link (readlink /proc/PID/ns/net) names the namespace type and inode.

/** The inode of a `net:[INODE]` link text; undefined for anything else. */
export function parseNetnsLink(text: string): number | undefined {
  const match = /^net:\[(\d+)\]$/.exec(text.trim());
  if (!match) return undefined;
  const inode = Number(match[1]);
  return Number.isSafeInteger(inode) && inode > 0 ? inode : undefined;
}

/** The inode of a `mnt:[INODE]` link text (readlink /proc/PID/ns/mnt); undefined for anything else. */
export function parseMntnsLink(text: string): number | undefined {
  const match = /^mnt:\[(\d+)\]$/.exec(text.trim());
  if (!match) return undefined;
  const inode = Number(match[1]);
  return Number.isSafeInteger(inode) && inode > 0 ? inode : undefined;
}
