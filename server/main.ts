import { parseArgs } from 'node:util';
import { runServer } from './app/run-server.js';

// The entry point: the only place that reads process.env.
const { values } = parseArgs({ options: { config: { type: 'string' } } });
const code = await runServer({ env: process.env, configPath: values.config, pretty: Boolean(process.stdout.isTTY) });
process.exit(code);
