const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Parses a duration such as `90`, `45s`, `15m`, `12h`, `7d`, `2w` into seconds.
 * Returns undefined for anything else, so callers can word their own error.
 */
export function parseDurationSeconds(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([smhdw]?)\s*$/i.exec(text);
  if (!m) return undefined;
  const seconds = Number(m[1]) * UNIT_SECONDS[(m[2] || 's').toLowerCase()]!;
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}

/**
 * Parses a short duration such as `250ms`, `2s` or `1m` into milliseconds; a bare number is
 * milliseconds. Returns undefined for anything else.
 */
export function parseDurationMillis(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(ms|[smh]?)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] || 'ms').toLowerCase();
  const ms = Number(m[1]) * (unit === 'ms' ? 1 : UNIT_SECONDS[unit]! * 1000);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Seconds as the largest unit that divides them exactly: `30d`, `36h`, `90s`. */
export function formatDurationSeconds(seconds: number): string {
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    const size = UNIT_SECONDS[unit]!;
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
