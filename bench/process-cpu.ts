import { readFile } from 'node:fs/promises';

/** Linux's USER_HZ: the unit of the times in /proc/PID/stat (100 on every Linux platform Node runs on). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, all threads) a process has used so far, in µs, from /proc/PID/stat;
 * undefined where there is no /proc. Works for any process (Prosody, the servers' children),
 * not only ours; its resolution is 10 ms, a small share of any row's seconds of CPU.
 */
export async function processCpuMicros(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // Fields after the command name (which may hold spaces, closed by the last ')'): utime is the 14th field, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
}
