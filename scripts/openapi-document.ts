// Merges what protoc-gen-connect-openapi makes from proto/ (openapi/gen/) with the hand-written
// plain routes (openapi/plain-routes.yaml) into the served document (openapi/openapi.json).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const OPENAPI_PATH = 'openapi/openapi.json';
export const OPENAPI_GENERATED_PATH = 'openapi/gen/invites.openapi.json';
export const OPENAPI_FRAGMENT_PATH = 'openapi/plain-routes.yaml';

type Json = Record<string, unknown>;

function section(doc: Json, key: string): Json {
  return (doc[key] ?? {}) as Json;
}

/** The fragment wins for info and security; paths, components and tags are the union (a clash is an error). */
export function mergeOpenApi(generated: Json, fragment: Json): Json {
  const union = (a: Json, b: Json, where: string): Json => {
    for (const key of Object.keys(b)) if (key in a) throw new Error(`${where}.${key} is both generated and hand-written`);
    return { ...a, ...b };
  };
  const components: Json = { ...section(generated, 'components') };
  for (const [kind, entries] of Object.entries(section(fragment, 'components'))) {
    components[kind] = union(section(components, kind), entries as Json, `components.${kind}`);
  }
  return {
    openapi: generated.openapi,
    info: fragment.info,
    security: fragment.security,
    tags: [...((generated.tags ?? []) as Json[]), ...((fragment.tags ?? []) as Json[])],
    paths: union(section(generated, 'paths'), section(fragment, 'paths'), 'paths'),
    components,
  };
}

/** The document's text as `npm run openapi` writes it, from the files in `root`. */
export function openApiText(root: URL): string {
  const generated = JSON.parse(readFileSync(new URL(OPENAPI_GENERATED_PATH, root), 'utf8')) as Json;
  const fragment = parse(readFileSync(new URL(OPENAPI_FRAGMENT_PATH, root), 'utf8')) as Json;
  return `${JSON.stringify(mergeOpenApi(generated, fragment), null, 2)}\n`;
}
