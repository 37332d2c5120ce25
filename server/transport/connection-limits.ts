import type net from 'node:net';
import { rateLimitAddress } from './client-address.js';

/**
 * How long connections, requests and HTTP/2 sessions may take: the Config properties of the
 * same names (defaults in server/config/settings.ts).
 */
export interface ConnectionLimits {
  /** A connection's first bytes and each HTTP/1.1 request head; an HTTP/2 session's first stream. */
  headersTimeoutMs: number;
  /** A whole request, body included (not its response: Watch streams last). */
  requestTimeoutMs: number;
  /** A keep-alive connection between requests, an HTTP/2 session with no open stream. */
  idleTimeoutMs: number;
  /** Concurrent streams per HTTP/2 session (advertised in SETTINGS). */
  maxConcurrentStreams: number;
  /** Open connections per client address (IPv6 per /64). */
  maxConnectionsPerAddress: number;
}

/** After we close a connection (408, GOAWAY), how long its peer gets to close its side before we drop it. */
export const CLOSE_GRACE_MS = 1000;

/** Ends `socket` after `data` and destroys it if the peer has not closed it within the grace period. */
export function endThenDestroy(socket: net.Socket, data: string): void {
  socket.end(data);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

/**
 * Counts open connections per client address. `admit` is false once an address holds `max`;
 * `exempt` addresses (trusted proxies, which carry many clients) are never refused.
 */
export function connectionsPerAddress(max: number, exempt: (address: string) => boolean = () => false) {
  const open = new Map<string, number>();
  return {
    admit(socket: net.Socket): boolean {
      const peer = socket.remoteAddress;
      if (peer === undefined || exempt(peer)) return true;
      const address = rateLimitAddress(peer);
      const count = open.get(address) ?? 0;
      if (count >= max) return false;
      open.set(address, count + 1);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left === 0) open.delete(address);
        else open.set(address, left);
      });
      return true;
    },
  };
}
