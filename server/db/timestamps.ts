/**
 * PostgreSQL's text form of a timestamptz ('2026-11-30 12:58:38.123456+00'), parsed without
 * regular expressions: pg's default parser (postgres-date) cost ~0.6 µs per value, two per
 * row of every list (bench/). Anything else (BC dates, infinity, years before 100, other
 * DateStyles) goes to `fallback`.
 */
export function parseTimestamptz(s: string, fallback: (s: string) => Date): Date {
  const n = s.length;
  if (n < 22 || s.charCodeAt(4) !== 45 || s.charCodeAt(10) !== 32 || s.charCodeAt(13) !== 58) return fallback(s);
  const d = (i: number) => s.charCodeAt(i) - 48;
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  if (!(year >= 100 && year <= 9999)) return fallback(s);
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let digits = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (digits < 3) (ms = ms * 10 + c - 48), digits++;
      i++;
    }
    while (digits < 3) (ms *= 10), digits++;
  }
  const sign = s.charCodeAt(i);
  if (sign !== 43 && sign !== 45) return fallback(s);
  // The offset: +HH, +HH:MM or (local mean time before 1900-ish) +HH:MM:SS, in seconds.
  let offset = (d(i + 1) * 10 + d(i + 2)) * 3600;
  i += 3;
  if (i < n && s.charCodeAt(i) === 58) (offset += (d(i + 1) * 10 + d(i + 2)) * 60), (i += 3);
  if (i < n && s.charCodeAt(i) === 58) (offset += d(i + 1) * 10 + d(i + 2)), (i += 3);
  if (i !== n) return fallback(s);
  const utc = Date.UTC(year, d(5) * 10 + d(6) - 1, d(8) * 10 + d(9), d(11) * 10 + d(12), d(14) * 10 + d(15), d(17) * 10 + d(18), ms);
  const value = new Date(utc - (sign === 45 ? -offset : offset) * 1000);
  return Number.isNaN(value.getTime()) ? fallback(s) : value;
}
