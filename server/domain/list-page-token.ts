import { DomainError } from './errors.js';

/** Where a listing stopped, and which listing it was (a token only continues the same query). */
export interface PageTokenContent {
  createdAt: Date;
  token: string;
  query: string;
}

export function encodePageToken(content: PageTokenContent): string {
  return Buffer.from(JSON.stringify({ c: content.createdAt.getTime(), t: content.token, q: content.query })).toString('base64url');
}

/** Throws invalid_argument for anything that is not a token of the same query. */
export function decodePageToken(text: string, query: string): { createdAt: Date; token: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const p = parsed as { c?: unknown; t?: unknown; q?: unknown } | undefined;
  if (!p || typeof p.c !== 'number' || !Number.isSafeInteger(p.c) || typeof p.t !== 'string' || typeof p.q !== 'string') {
    throw new DomainError('invalid_argument', 'page_token is not valid: pass the next_page_token of the previous page unchanged');
  }
  if (p.q !== query) {
    throw new DomainError(
      'invalid_argument',
      'page_token belongs to a listing with another host or status: keep them the same across pages',
    );
  }
  return { createdAt: new Date(p.c), token: p.t };
}
