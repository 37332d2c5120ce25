import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../server/app/package-root.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const BUF = join(packageRoot(), 'node_modules/.bin/buf');
const REFLECTION_PROTOS = join(packageRoot(), 'node_modules/@grpc/reflection/build/proto');

/** `buf curl` over gRPC (h2c) with no schema: everything it knows comes from reflection. */
async function bufCurl(server: TestServer, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], {
    cwd: '/',
    timeout: 60_000,
  });
  return stdout;
}

/** One ServerReflectionInfo stream through @grpc/grpc-js: sends each request, collects each answer. */
async function reflect(server: TestServer, version: 'v1' | 'v1alpha', requests: object[]): Promise<any[]> {
  const definition = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, {
    includeDirs: [REFLECTION_PROTOS],
    keepCase: true,
    longs: Number,
    enums: String,
    oneofs: true,
    arrays: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as any;
  const client = new pkg.grpc.reflection[version].ServerReflection(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) => {
      const answers: any[] = [];
      const call = client.ServerReflectionInfo();
      call.on('data', (a: any) => answers.push(a));
      call.on('error', reject);
      call.on('end', () => resolve(answers));
      for (const r of requests) call.write(r);
      call.end();
    });
  } finally {
    client.close();
  }
}

const fileNames = (answer: any): string[] =>
  answer.file_descriptor_response.file_descriptor_proto.map((bytes: Buffer) => fromBinary(FileDescriptorProtoSchema, bytes).name);

describe('server reflection', function () {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(async () => server.stop());

  it('lets `buf curl --list-methods` list every RPC with no proto files', async () => {
    const methods = (await bufCurl(server, ['--list-methods', server.url])).trim().split('\n').sort();
    assert.deepEqual(methods, [
      'grpc.health.v1.Health/Check',
      'grpc.health.v1.Health/List',
      'grpc.health.v1.Health/Watch',
      'grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      'grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
      'invites.v1.InviteService/ConfirmInvite',
      'invites.v1.InviteService/CreateInvite',
      'invites.v1.InviteService/CreateInvites',
      'invites.v1.InviteService/GetInvite',
      'invites.v1.InviteService/HoldInvite',
      'invites.v1.InviteService/ListInvites',
      'invites.v1.InviteService/RedeemInvite',
      'invites.v1.InviteService/ReleaseInvite',
      'invites.v1.InviteService/RevokeInvite',
      'invites.v1.InviteService/UpdateInvite',
      'invites.v1.KeyAdmin/CreateKey',
      'invites.v1.KeyAdmin/CreateWebhook',
      'invites.v1.KeyAdmin/DeleteKey',
      'invites.v1.KeyAdmin/DeleteWebhook',
      'invites.v1.KeyAdmin/DisableKey',
      'invites.v1.KeyAdmin/EnableKey',
      'invites.v1.KeyAdmin/ListAudit',
      'invites.v1.KeyAdmin/ListKeys',
      'invites.v1.KeyAdmin/ListWebhookDeliveries',
      'invites.v1.KeyAdmin/ListWebhooks',
      'invites.v1.KeyAdmin/RotateKey',
      'invites.v1.KeyAdmin/UpdateKey',
    ]);
  });

  it('lets `buf curl` create a key and an invite with no proto files', async () => {
    const created = JSON.parse(
      await bufCurl(server, [
        '-H',
        `Authorization: Bearer ${server.adminToken}`,
        '-d',
        '{"host":"localhost","name":"buf curl"}',
        `${server.url}/invites.v1.KeyAdmin/CreateKey`,
      ]),
    );
    assert.equal(created.key.name, 'buf curl');
    const { invite } = JSON.parse(
      await bufCurl(server, ['-H', `Authorization: Bearer ${created.fullKey}`, `${server.url}/invites.v1.InviteService/CreateInvite`]),
    );
    assert.equal(invite.type, 'INVITE_TYPE_REGISTER');
    assert.equal(invite.source, `api/token/${created.key.id}`);
    const stored = await server.database.client.db(server.database.name).collection('invites').findOne({ _id: invite.token });
    assert.ok(stored, 'the invite was stored');
  });

  for (const version of ['v1', 'v1alpha'] as const) {
    it(`answers @grpc/grpc-js on ${version}: services, files with their imports, symbols, and NOT_FOUND`, async () => {
      const [list, byService, byMethod, byFile, byField, unknown, extensions] = await reflect(server, version, [
        { host: 'h', list_services: '' },
        { file_containing_symbol: 'invites.v1.InviteService' },
        { file_containing_symbol: 'invites.v1.KeyAdmin.CreateKey' },
        { file_by_filename: 'invites/v1/invite.proto' },
        { file_containing_symbol: 'invites.v1.Invite.token' },
        { file_containing_symbol: 'invites.v1.Nope' },
        { all_extension_numbers_of_type: 'invites.v1.Invite' },
      ]);
      assert.equal(list.valid_host, 'h');
      assert.ok(list.list_services_response.service.map((s: any) => s.name).includes('invites.v1.KeyAdmin'));
      assert.deepEqual(fileNames(byService), [
        'invites/v1/invite_service.proto',
        'google/protobuf/timestamp.proto',
        'invites/v1/invite.proto',
      ]);
      const service = fromBinary(FileDescriptorProtoSchema, byService.file_descriptor_response.file_descriptor_proto[0]).service[0]!;
      assert.equal(service.name, 'InviteService');
      assert.deepEqual(
        service.method.map((m) => m.name),
        [
          'CreateInvite',
          'GetInvite',
          'ListInvites',
          'RevokeInvite',
          'RedeemInvite',
          'HoldInvite',
          'ConfirmInvite',
          'ReleaseInvite',
          'UpdateInvite',
          'CreateInvites',
        ],
      );
      assert.equal(fileNames(byMethod)[0], 'invites/v1/key_admin.proto');
      assert.equal(fileNames(byFile)[0], 'invites/v1/invite.proto');
      assert.equal(fileNames(byField)[0], 'invites/v1/invite.proto');
      assert.equal(unknown.error_response.error_code, grpc.status.NOT_FOUND);
      assert.match(unknown.error_response.error_message, /invites\.v1\.Nope/);
      assert.deepEqual(extensions.all_extension_numbers_response, { base_type_name: 'invites.v1.Invite', extension_number: [] });
    });
  }
});
