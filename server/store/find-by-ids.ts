import type { Collection, Document, Filter, WithId } from 'mongodb';

/** Ids per query, so a query's size stays bounded (the embedded engine serves up to 10,000 from its index). */
const IDS_PER_QUERY = 2000;

/**
 * The documents with one of `ids` that also match `also`. A lookup by known `_id`s is what every
 * engine serves from an index (the embedded engine serves nothing else), so its cost follows the
 * number of ids, never the size of the collection.
 */
export async function findByIds<T extends Document>(
  collection: Collection<T>,
  ids: readonly string[],
  also: Filter<T> = {},
): Promise<WithId<T>[]> {
  const found: WithId<T>[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const filter = { ...also, _id: { $in: ids.slice(i, i + IDS_PER_QUERY) } } as Filter<T>;
    found.push(...(await collection.find(filter).toArray()));
  }
  return found;
}

/** Deletes the documents with one of `ids`, a bounded query at a time; how many it deleted. */
export async function deleteByIds<T extends Document>(collection: Collection<T>, ids: readonly string[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const filter = { _id: { $in: ids.slice(i, i + IDS_PER_QUERY) } } as Filter<T>;
    deleted += (await collection.deleteMany(filter)).deletedCount;
  }
  return deleted;
}
