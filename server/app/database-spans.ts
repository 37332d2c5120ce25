import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import type { CommandObserver } from '../store/mongo-store.js';
import type { Tracing } from './tracing.js';

/** Commands whose first field names the collection they work on (getMore names it in `collection`). */
function collectionOf(event: CommandStartedEvent): string | undefined {
  const target: unknown = event.command[event.commandName];
  if (typeof target === 'string') return target;
  const collection: unknown = event.command.collection;
  return typeof collection === 'string' ? collection : undefined;
}

/**
 * A client span per database command sent while a request is served, from the driver's command
 * monitoring events (they fire in the caller's async context, which OpenTelemetry's mongodb
 * instrumentation cannot hook under ESM here: the driver is loaded before any code runs).
 * Background work (health pings, sweeps, counter syncs) has no request and gets no span.
 * The command itself is never recorded: it holds tokens' hashes and the invites written.
 */
export function databaseSpans(tracing: Tracing, observe?: (commandName: string) => void): CommandObserver {
  const open = new Map<number, Span>();
  const end = (event: CommandSucceededEvent | CommandFailedEvent, failure?: Error) => {
    const span = open.get(event.requestId);
    if (!span) return;
    open.delete(event.requestId);
    if (failure) {
      // The code only: a message may quote the duplicate key.
      const code = (failure as { code?: unknown }).code;
      span.setAttribute('error.type', typeof code === 'number' ? String(code) : failure.name);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  return {
    started(event) {
      observe?.(event.commandName);
      const parent = tracing.activeContext();
      if (!parent) return;
      const collection = collectionOf(event);
      const [host, port] = [event.address.slice(0, event.address.lastIndexOf(':')), Number(event.address.split(':').pop())];
      const span = tracing.tracer.startSpan(
        collection ? `${event.commandName} ${collection}` : event.commandName,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system.name': 'mongodb',
            'db.namespace': event.databaseName,
            'db.operation.name': event.commandName,
            ...(collection ? { 'db.collection.name': collection } : {}),
            'server.address': host,
            ...(Number.isInteger(port) ? { 'server.port': port } : {}),
          },
        },
        parent,
      );
      open.set(event.requestId, span);
    },
    succeeded: (event) => end(event),
    failed: (event) => end(event, event.failure),
  };
}
