"""A Python client built only from proto/: creates an API key, then an invite, over gRPC.

Run by test/e2e/python-client.test.ts with the generated stubs on PYTHONPATH and
INVITES_TARGET (host:port) and INVITES_ADMIN_TOKEN in the environment. Prints one JSON line.
"""
import json
import os

import grpc

from invites.v1 import invite_service_pb2, invite_service_pb2_grpc, key_admin_pb2, key_admin_pb2_grpc


def main() -> None:
    target = os.environ["INVITES_TARGET"]
    admin = [("authorization", "Bearer " + os.environ["INVITES_ADMIN_TOKEN"])]
    with grpc.insecure_channel(target) as channel:
        keys = key_admin_pb2_grpc.KeyAdminStub(channel)
        created = keys.CreateKey(key_admin_pb2.CreateKeyRequest(host="localhost", name="python client"), metadata=admin, timeout=30)

        invites = invite_service_pb2_grpc.InviteServiceStub(channel)
        response = invites.CreateInvite(
            invite_service_pb2.CreateInviteRequest(), metadata=[("authorization", "Bearer " + created.full_key)], timeout=30
        )
        invite = response.invite

        try:
            invites.CreateInvite(invite_service_pb2.CreateInviteRequest(), metadata=[("authorization", "Bearer not-a-key")], timeout=30)
            refused = "OK"
        except grpc.RpcError as err:
            refused = err.code().name

    print(json.dumps({
        "key_id": created.key.id,
        "key_host": created.key.host,
        "token": invite.token,
        "host": invite.host,
        "type": invite.type,
        "uri": invite.uri,
        "landing_page_url": invite.landing_page_url,
        "source": invite.source,
        "lifetime_seconds": invite.expire_time.seconds - invite.create_time.seconds,
        "refused_with": refused,
    }))


if __name__ == "__main__":
    main()
