import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Runs a program to its end and answers its stdout; a failure (exit code, or killed at `timeoutMs`)
 * throws with the program's stderr, so a broken toolchain step reads as what the tool said.
 */
export async function runProgram(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; stdout?: string; killed?: boolean };
    const why = e.killed ? `killed after ${options.timeoutMs / 1000} s` : (e.code ?? 'exit');
    throw new Error(`${file} ${args.join(' ')} failed (${why}): ${e.stderr || e.stdout || e.message}`);
  }
}
