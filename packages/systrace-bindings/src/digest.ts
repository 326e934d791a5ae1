// SHA-256 from the OpenSSL that the node binary carries (its exported EVP_Digest): node:crypto would do the
// same but costs a fresh process 2-2.5 ms to load (two dozen internal modules) before the first hash.
import { createRequire } from 'node:module';
import { koffi } from './libc.js';

type EvpDigest = (
  data: Uint8Array,
  count: number,
  md: Uint8Array,
  size: null,
  type: unknown,
  engine: null,
) => number;

let evp: { digest: EvpDigest; sha256: unknown } | null | undefined;

function openssl(): { digest: EvpDigest; sha256: unknown } | null {
  if (evp !== undefined) return evp;
  try {
    const node = koffi().load(null); // the node binary, and the libraries it has loaded
    const sha256 = (node.func('void *EVP_sha256()') as unknown as () => unknown)();
    const digest = node.func(
      'int EVP_Digest(const uint8_t *data, size_t count, _Out_ uint8_t *md, _Out_ unsigned int *size, void *type, void *engine)',
    ) as unknown as EvpDigest;
    evp = sha256 ? { digest, sha256 } : null;
  } catch {
    evp = null; // a node without OpenSSL's symbols: node:crypto below
  }
  return evp;
}

/** The SHA-256 digest of `data` (a string as UTF-8), in hex. */
export function sha256Hex(data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const o = openssl();
  if (o) {
    const md = Buffer.alloc(32);
    if (o.digest(bytes, bytes.length, md, null, o.sha256, null) === 1) return md.toString('hex');
  }
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(bytes).digest('hex');
}
