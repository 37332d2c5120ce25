/**
 * Times as fixed-width digits, for `_id`s whose ascending order is a time order: strings compare
 * byte by byte on every engine, so equal widths make them compare as their times (ms up to the
 * year 33658).
 */
const TIME_DIGITS = 15;
const TIME_LIMIT = 10 ** TIME_DIGITS - 1;

/** Ascending: oldest first. */
export const oldestFirstKey = (at: Date) => String(Math.min(Math.max(Math.trunc(at.getTime()), 0), TIME_LIMIT)).padStart(TIME_DIGITS, '0');

/** Ascending: newest first. */
export const newestFirstKey = (at: Date) => String(TIME_LIMIT - Number(oldestFirstKey(at))).padStart(TIME_DIGITS, '0');

/** What follows every `_id` that starts with `prefix|` (`}` follows `|`), for the upper end of a range. */
export const AFTER_SCOPE = '}';
