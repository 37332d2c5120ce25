import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ADMIN_TOKEN_FILE } from '../server/app/admin-token-file.js';
import { CliFailure } from './cli-failure.js';
import { ExitCode } from './exit-codes.js';

/**
 * The admin token to send: the one given (flag or INVITES_ADMIN_TOKEN), else the file the server
 * wrote in its data directory, so an operator on the server's machine needs no setup.
 */
export async function resolveAdminToken(given: string | undefined, dataDir: string): Promise<string> {
  const token = given?.trim();
  if (token) return token;
  const path = resolve(join(dataDir, ADMIN_TOKEN_FILE));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new CliFailure(
        ExitCode.auth,
        'no_admin_token',
        `no admin token: pass --admin-token or set INVITES_ADMIN_TOKEN, ` +
          `or point --data-dir at the server's data directory (${path} does not exist)`,
      );
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new CliFailure(
        ExitCode.auth,
        'no_admin_token',
        `cannot read the admin token file ${path}: permission denied (run as the server's user, or pass --admin-token)`,
      );
    }
    throw new CliFailure(ExitCode.auth, 'no_admin_token', `cannot read the admin token file ${path}: ${(err as Error).message}`);
  }
  const fromFile = text.trim();
  if (!fromFile) {
    throw new CliFailure(
      ExitCode.auth,
      'no_admin_token',
      `the admin token file ${path} is empty: pass --admin-token or restart the server to write a new one`,
    );
  }
  return fromFile;
}
