#!/usr/bin/env node
// invitesctl: runs the compiled commands in dist/ (`npm run build:ts` first).
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
