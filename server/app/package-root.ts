import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project directory, found from this file whether it runs from source or from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the invites package directory');
    dir = parent;
  }
  return dir;
}

export function defaultEmbeddedDbBinary(): string {
  return join(packageRoot(), 'embedded-db', 'bin', 'invites-embedded-db');
}
