import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { OPENAPI_PATH, mergeOpenApi, openApiText } from '../../scripts/openapi-document.js';

const root = new URL('../../', import.meta.url);
const committed = readFileSync(new URL(OPENAPI_PATH, root), 'utf8');

describe('openapi/openapi.json', () => {
  it('is what the fragment and the generator output merge into (run `npm run openapi` after changing either)', () => {
    assert.equal(committed, openApiText(root));
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = JSON.parse(committed) as { openapi: string };
    assert.match(doc.openapi, /^3\.1\./);
    const result = await validate(structuredClone(doc) as never);
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  });

  it('describes every RPC of the schema (regenerate openapi/gen/ after changing proto/)', () => {
    const paths = (JSON.parse(committed) as { paths: Record<string, unknown> }).paths;
    for (const service of [InviteService, KeyAdmin]) {
      for (const method of service.methods) assert.ok(paths[`/${service.typeName}/${method.name}`], `${service.typeName}/${method.name}`);
    }
    for (const plain of ['/invites_api', '/invite', '/openapi.json']) assert.ok(paths[plain], plain);
  });

  it('refuses a hand-written path that the generator also makes', () => {
    const generated = { openapi: '3.1.0', paths: { '/a': {} }, components: { schemas: { x: {} } } };
    assert.throws(() => mergeOpenApi(generated, { paths: { '/a': {} } }), /paths\.\/a is both generated and hand-written/);
    assert.throws(() => mergeOpenApi(generated, { components: { schemas: { x: {} } } }), /components\.schemas\.x/);
  });
});
