// NUL-terminated strings for system calls.

/** `s` as UTF-8 with a trailing NUL, ready to pass as a `const char *`. */
export function cString(s: string): Buffer {
  const buf = Buffer.allocUnsafe(Buffer.byteLength(s) + 1);
  const n = buf.write(s, 0, 'utf8');
  buf[n] = 0;
  return buf;
}

/** `s` as a C string, or null for a null pointer. */
export function cStringOrNull(s: string | null | undefined): Buffer | null {
  return s == null ? null : cString(s);
}
