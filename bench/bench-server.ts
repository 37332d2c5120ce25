// A benchmark's server: the real app in its own process, counting the database commands it
// sends (BENCH_COUNT_COMMANDS=1) so the benchmark can check which paths touch the database.
// Talks to its parent over IPC.
// BENCH_STORE=memory runs it on the in-memory store (no database): the server's own limit.
// BENCH_TRACING=memory traces every request into an in-memory exporter (the SDK's full work, no network).
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import pino from 'pino';
import { startApp } from '../server/app/app.js';
import { defaultEmbeddedDbBinary } from '../server/app/package-root.js';
import { loadConfig } from '../server/config/config.js';
import { createMemoryStore } from '../test/support/memory-store.js';

const config = loadConfig(process.env);
let commands = 0;
const spans = new InMemorySpanExporter();
const tracerProvider =
  process.env.BENCH_TRACING === 'memory'
    ? new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: spans })] })
    : undefined;
const app = await startApp(config, {
  logger: pino({ level: 'warn' }),
  embeddedDbBinary: defaultEmbeddedDbBinary(),
  // Only where asked: command monitoring costs the driver work on every command (events, replies
  // decoded in full), which the production server does not do without tracing.
  onDatabaseCommand: process.env.BENCH_COUNT_COMMANDS === '1' ? () => commands++ : undefined,
  store: process.env.BENCH_STORE === 'memory' ? createMemoryStore() : undefined,
  tracerProvider,
});
process.on('message', async (message: { type: string }) => {
  if (message.type === 'commands') process.send!({ type: 'commands', commands });
  // Invites this server reports as created (its invites_created_total), for a store the bench cannot count.
  if (message.type === 'created') {
    const { values } = await app.metrics.invitesCreated.get();
    process.send!({ type: 'created', created: values.reduce((n, v) => n + v.value, 0) });
  }
  // CPU time this server has used, in µs: its cost per request, less swayed by a busy machine than its rate.
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send!({ type: 'cpu', micros: user + system });
  }
  if (message.type === 'spans') {
    await tracerProvider?.forceFlush();
    process.send!({ type: 'spans', spans: spans.getFinishedSpans().length });
    spans.reset();
  }
  if (message.type === 'stop') {
    await app.close();
    process.exit(0);
  }
});
process.send!({ type: 'ready', port: app.port });
