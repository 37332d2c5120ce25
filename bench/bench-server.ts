// A benchmark's server: the real app in its own process, counting the database commands it
// sends so the benchmark can check which paths touch the database. Talks to its parent over IPC.
import pino from 'pino';
import { startApp } from '../server/app/app.js';
import { defaultEmbeddedDbBinary } from '../server/app/package-root.js';
import { loadConfig } from '../server/config/config.js';

const config = loadConfig(process.env);
let commands = 0;
const app = await startApp(config, {
  logger: pino({ level: 'warn' }),
  embeddedDbBinary: defaultEmbeddedDbBinary(),
  onDatabaseCommand: () => commands++,
});
process.on('message', async (message: { type: string }) => {
  if (message.type === 'commands') process.send!({ type: 'commands', commands });
  if (message.type === 'stop') {
    await app.close();
    process.exit(0);
  }
});
process.send!({ type: 'ready', port: app.port });
