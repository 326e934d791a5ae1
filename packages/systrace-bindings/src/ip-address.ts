// The one IP address parser of sysjail: text ⇄ network-order bytes (every package uses this one). Its
// own grammar, the one node:net's isIPv4/isIPv6 accept (without zone ids): node:net is not loaded for it.

const DECIMAL_OCTET = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The 4 bytes of a dotted-quad IPv4 address; undefined if `text` is not one. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => DECIMAL_OCTET.test(p))) return undefined;
  return Uint8Array.from(parts.map(Number));
}

/** The 16-bit groups of one side of `::` (a trailing dotted quad as two groups if `quadAllowed`). */
function groupsOf(side: string, quadAllowed: boolean): number[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (HEX_GROUP.test(p)) out.push(Number.parseInt(p, 16));
    else if (quadAllowed && i === parts.length - 1 && p.includes('.')) {
      const q = parseIPv4(p);
      if (!q) return undefined;
      out.push((q[0] << 8) | q[1], (q[2] << 8) | q[3]);
    } else return undefined;
  }
  return out;
}

/** The 16 bytes of an IPv6 address (a trailing dotted quad allowed, no zone id); undefined if not one. */
export function parseIPv6(text: string): Uint8Array | undefined {
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return undefined;
  const head = dbl >= 0 ? groupsOf(text.slice(0, dbl), false) : groupsOf(text, true);
  const tail = dbl >= 0 ? groupsOf(text.slice(dbl + 2), true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (dbl >= 0 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(dbl >= 0 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function formatIPv4(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 4)].join('.');
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (>= 2) of zero groups as `::`. */
export function formatIPv6(bytes: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i] << 8) | bytes[i + 1]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}
