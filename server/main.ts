import { parseArgs } from 'node:util';
import { runServer } from './app/run-server.js';

// The entry point: the only place that reads process.env.
const { values } = parseArgs({ options: { config: { type: 'string' }, 'print-config': { type: 'boolean' }, json: { type: 'boolean' } } });
const printConfig = values['print-config'] ? (values.json ? 'json' : 'yaml') : undefined;
const code = await runServer({ env: process.env, configPath: values.config, pretty: Boolean(process.stdout.isTTY), printConfig });
process.exit(code);
