const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;

/**
 * The one duration parser: a whole number with one of `units` (a bare number is in `bare`),
 * into milliseconds. Returns undefined for anything else, so callers can word their own error.
 */
function parseDuration(text: string, bare: Unit, units: readonly Unit[]): number | undefined {
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2]!.toLowerCase() || bare) as Unit;
  if (!units.includes(unit)) return undefined;
  const ms = Number(m[1]) * UNIT_MS[unit];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Parses a duration such as `90`, `45s`, `15m`, `12h`, `7d`, `2w` into seconds. */
export function parseDurationSeconds(text: string): number | undefined {
  const ms = parseDuration(text, 's', ['s', 'm', 'h', 'd', 'w']);
  return ms === undefined ? undefined : ms / 1000;
}

/** Parses a short duration such as `250ms`, `2s` or `1m` into milliseconds; a bare number is milliseconds. */
export function parseDurationMillis(text: string): number | undefined {
  return parseDuration(text, 'ms', ['ms', 's', 'm', 'h']);
}

/**
 * The one duration formatter: milliseconds as the largest unit that divides them exactly
 * (`30d`, `36h`, `90s`, `250ms`), in the notation both parsers read back.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** Seconds in the same notation: 2592000 → `30d`. */
export function formatDurationSeconds(seconds: number): string {
  return formatDuration(seconds * 1000);
}
