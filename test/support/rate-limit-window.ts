/**
 * Rate limits count per clock minute. A test that makes N requests and expects the limit to bite on the
 * last one must not straddle a minute's end, or the last request lands in a fresh window: wait for the
 * next minute when fewer than `needSeconds` are left of this one.
 */
export async function awayFromMinuteEnd(needSeconds: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needSeconds * 1000) await new Promise((r) => setTimeout(r, left + 50));
}
