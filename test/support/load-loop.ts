import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import http from 'node:http';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';

/** What happened to one request of a load loop. */
export type Outcome = { ok: true; token: string; at: number } | { ok: false; error: string; at: number; code?: string };

export interface LoadLoop {
  outcomes: Outcome[];
  /** Resolves once every worker has stopped (after `stop()` or when requests keep failing). */
  done: Promise<void>;
  stop(): void;
}

/**
 * Keeps `concurrency` invite creations in flight until stopped, or until `stopAfterErrors`
 * errors in a row (the server is gone). Each outcome is recorded with its time.
 */
function loop(concurrency: number, once: () => Promise<Outcome>, stopAfterErrors: number): LoadLoop {
  const outcomes: Outcome[] = [];
  let stopped = false;
  let errorsInARow = 0;
  const worker = async () => {
    while (!stopped && errorsInARow < stopAfterErrors) {
      const outcome = await once();
      outcomes.push(outcome);
      errorsInARow = outcome.ok ? 0 : errorsInARow + 1;
      if (!outcome.ok) await new Promise((r) => setTimeout(r, 5));
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, worker)).then(() => {});
  return { outcomes, done, stop: () => (stopped = true) };
}

/** GET /invites_api over keep-alive HTTP/1.1 connections. */
export function httpCreateLoop(port: number, key: string, concurrency: number, stopAfterErrors = 20): LoadLoop & { agent: http.Agent } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const once = () =>
    new Promise<Outcome>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/invites_api?key=${encodeURIComponent(key)}`, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          const token = String(res.headers.location ?? '').split('?')[1];
          resolve(
            res.statusCode === 201 && token
              ? { ok: true, token, at: Date.now() }
              : { ok: false, error: `status ${res.statusCode}`, at: Date.now() },
          );
        });
        res.on('error', (err) => resolve({ ok: false, error: `response cut off: ${err.message}`, at: Date.now() }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: err.message, code: err.code, at: Date.now() }));
    });
  const l = loop(concurrency, once, stopAfterErrors);
  return { ...l, agent, done: l.done.finally(() => agent.destroy()) };
}

/** CreateInvite over gRPC (one HTTP/2 connection). */
export function grpcCreateLoop(port: number, key: string, concurrency: number, stopAfterErrors = 20): LoadLoop {
  const client = createClient(InviteService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
  const once = async (): Promise<Outcome> => {
    try {
      const { invite } = await client.createInvite({}, { headers: { authorization: `Bearer ${key}` }, timeoutMs: 10_000 });
      return { ok: true, token: invite!.token, at: Date.now() };
    } catch (err) {
      const e = ConnectError.from(err);
      return { ok: false, error: e.message, code: Code[e.code], at: Date.now() };
    }
  };
  return loop(concurrency, once, stopAfterErrors);
}
