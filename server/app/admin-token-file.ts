import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomToken } from '../domain/random-token.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * The admin token when none is configured: read from the data directory, or generated on
 * first start and written there with mode 0600 so a CLI on the same machine can use it.
 */
export async function loadOrCreateAdminToken(dataDir: string): Promise<{ token: string; path: string; created: boolean }> {
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token) return { token, path, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const token = randomToken(32);
  try {
    // `wx`: if another instance won the race, use its token.
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateAdminToken(dataDir);
    throw err;
  }
  return { token, path, created: true };
}
