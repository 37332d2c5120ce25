/** The parts of a request's URL (path and query; no fragment reaches a server). */
export interface RequestUrl {
  /** Without the query: `/invites_api`, `/invites.v1.InviteService/CreateInvite`. */
  path: string;
  /** The raw text after `?` ('' when there is none). */
  rawQuery: string;
}

export function requestUrl(url: string | undefined): RequestUrl {
  const text = url ?? '/';
  const q = text.indexOf('?');
  return q >= 0 ? { path: text.slice(0, q), rawQuery: text.slice(q + 1) } : { path: text, rawQuery: '' };
}

export const pathOf = (url: string | undefined): string => requestUrl(url).path;

export const queryOf = (url: string | undefined): URLSearchParams => new URLSearchParams(requestUrl(url).rawQuery);
