/** printf(3) field helpers for the FreeBSD formats: `%-15.15s`, `%6d`, `%.74s`. */

/** `%-W.Ps`: left-justified in `width`, cut at `precision`. */
export function left(s: string, width: number, precision = Number.POSITIVE_INFINITY): string {
  return s.slice(0, precision).padEnd(width);
}

/** `%Wd` / `%Ws`: right-justified in `width`. */
export function right(s: string | number, width: number): string {
  return String(s).padStart(width);
}

/** `%.Ps`: cut at `precision`. */
export function cut(s: string, precision: number): string {
  return s.slice(0, precision);
}
