// What invites/client and invites/client/web both export, besides their own createInvitesClient.
export * from './generated.js';
export * from './time-fields.js';
export { Code, ConnectError, isInvitesError } from './invites-error.js';
export { bearerCredential } from './bearer-credential.js';
export { DEFAULT_TIMEOUT_MS, type InvitesClient, type InvitesClientBaseOptions } from './invites-client.js';
