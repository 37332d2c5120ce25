import net from 'node:net';

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses one HTTP/1.1 response as sent on the wire (Content-Length or chunked). */
export function parseResponse(raw: Buffer): ParsedResponse | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    for (let at = 0; at < body.length;) {
      const lineEnd = body.indexOf('\r\n', at);
      const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
      if (!size) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return { status: Number(m[1]), headers, body: body.toString('utf8') };
}

/**
 * Sends bytes exactly as given on a fresh connection (so the request can be as broken as a
 * test likes) and parses what comes back before the server closes it.
 */
export function rawRequest(port: number, bytes: Buffer, timeoutMs = 10_000): Promise<ParsedResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (c) => {
      chunks.push(c);
      const parsed = parseResponse(Buffer.concat(chunks));
      // Stop once a whole response is in (the server may keep the connection open).
      if (
        parsed &&
        (parsed.headers['content-length'] === undefined || Buffer.byteLength(parsed.body) >= Number(parsed.headers['content-length']))
      ) {
        if (parsed.headers['transfer-encoding'] === undefined || Buffer.concat(chunks).includes('\r\n0\r\n\r\n')) {
          clearTimeout(timer);
          socket.destroy();
          resolve(parsed);
        }
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      const parsed = parseResponse(Buffer.concat(chunks));
      if (parsed) resolve(parsed);
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const parsed = parseResponse(Buffer.concat(chunks));
      if (parsed) resolve(parsed);
      else reject(new Error(`connection closed without a response (${Buffer.concat(chunks).length} bytes)`));
    });
    socket.write(bytes);
  });
}

/** A request head (and body) in bytes, with `Connection: close` and a Host. */
export function httpRequestBytes(
  method: string,
  target: string | Buffer,
  headers: Array<[string, string | Buffer]>,
  body?: Buffer,
): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`${method} `),
    Buffer.isBuffer(target) ? target : Buffer.from(target, 'latin1'),
    Buffer.from(' HTTP/1.1\r\nHost: test\r\nConnection: close\r\n'),
  ];
  for (const [name, value] of headers)
    parts.push(Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'), Buffer.from('\r\n'));
  if (body) parts.push(Buffer.from(`Content-Length: ${body.length}\r\n`));
  parts.push(Buffer.from('\r\n'));
  if (body) parts.push(body);
  return Buffer.concat(parts);
}
