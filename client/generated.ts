// The generated service descriptors, messages and enums of invites.v1, as one module, so that a
// client never reaches into gen/ (whose file layout is buf's, not an API).
export * from '../gen/invites/v1/audit_pb.js';
export * from '../gen/invites/v1/invite_pb.js';
export * from '../gen/invites/v1/invite_service_pb.js';
export * from '../gen/invites/v1/key_admin_pb.js';
export * from '../gen/invites/v1/webhooks_pb.js';
