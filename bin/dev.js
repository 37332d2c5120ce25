#!/usr/bin/env node
// invitesctl straight from the TypeScript sources, no build step (tsx compiles on import).
// oclif's own source mapping turns dist/cli/... into ../cli/... when tsconfig's rootDir is "."
// (it maps the commands directory, then each command file again), so point it at cli/ instead.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execute, settings } from '@oclif/core';
import { register } from 'tsx/esm/api';

register();
settings.enableAutoTranspile = false;
const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
pjson.oclif = { ...pjson.oclif, commands: './cli/commands', helpClass: './cli/help' };

await execute({ loadOptions: { root, pjson } });
