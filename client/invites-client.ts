import { createClient, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { InviteService } from '../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../gen/invites/v1/key_admin_pb.js';
import { bearerCredential } from './bearer-credential.js';

/** A ready client of one invites server: both services over one transport and one credential. */
export interface InvitesClient {
  /** Create/Get/List/Revoke/Redeem/UpdateInvite, Hold/Confirm/ReleaseInvite, CreateInvites. */
  readonly invites: Client<typeof InviteService>;
  /** Key management and the audit trail; needs the admin token. */
  readonly keys: Client<typeof KeyAdmin>;
  /** The transport both use, for a client of your own: `createClient(Service, client.transport)`. */
  readonly transport: Transport;
}

/** What the Node and the browser helpers both take. */
export interface InvitesClientBaseOptions {
  /** The server's URL, e.g. `https://invites.example.com` (a path prefix is kept). */
  baseUrl: string;
  /** An API key (`ID/SECRET`) or the admin token, sent as `Authorization: Bearer`; omit for public calls. */
  credential?: string;
  /** Connect protocol only: protobuf binary instead of JSON bodies (default: binary on Node, JSON in a browser). */
  useBinaryFormat?: boolean;
  /** A call that takes longer fails with Code.DeadlineExceeded; default 30 s, 0 for no deadline. */
  timeoutMs?: number;
  /** Run after the credential's, e.g. for logging or retries. */
  interceptors?: Interceptor[];
}

/** A call with no deadline can hang a script forever on a stuck server; invites calls are small. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The options every transport takes, Node's or the browser's: URL, credential and deadline. */
export function commonTransportOptions(options: InvitesClientBaseOptions): {
  baseUrl: string;
  interceptors: Interceptor[];
  defaultTimeoutMs: number | undefined;
} {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    baseUrl: options.baseUrl,
    interceptors: [...bearerCredential(options.credential), ...(options.interceptors ?? [])],
    // connect aborts at once on a deadline <= 0; here 0 means none.
    defaultTimeoutMs: timeoutMs > 0 ? timeoutMs : undefined,
  };
}

export function invitesClientOver(transport: Transport): InvitesClient {
  return { invites: createClient(InviteService, transport), keys: createClient(KeyAdmin, transport), transport };
}
