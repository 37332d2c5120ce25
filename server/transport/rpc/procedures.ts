import type { DescService } from '@bufbuild/protobuf';
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';

/** The RPCs a server serves, by request path (`/invites.v1.InviteService/CreateInvite`). */
export interface Procedures {
  has(path: string): boolean;
  /** Whether the RPC at `path` may be called with GET (it has no side effects); undefined: no such RPC. */
  allowsGet(path: string): boolean | undefined;
}

export function procedures(services: readonly DescService[]): Procedures {
  const allowsGet = new Map<string, boolean>();
  for (const service of services) {
    for (const method of service.methods) {
      allowsGet.set(`/${service.typeName}/${method.name}`, method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS);
    }
  }
  return { has: (path) => allowsGet.has(path), allowsGet: (path) => allowsGet.get(path) };
}
