import assert from 'node:assert/strict';
import { MongoServerError, MongoWriteConcernError } from 'mongodb';
import { insertOneOutcome } from '../../server/store/mongo-invite-store.js';
import { StoreConflict } from '../../server/store/store.js';

// A lone create is written with insertOne: its errors must mean what insertMany's per-document
// outcomes mean, or a create whose durability is unknown would be retried and reported created.
describe('insertOne outcome of a lone invite', () => {
  it('makes a duplicate token a conflict (the create retries with another token)', () => {
    const duplicate = new MongoServerError({ message: 'E11000 duplicate key error', code: 11000 });
    assert.ok(insertOneOutcome(duplicate) instanceof StoreConflict);
  });

  it('fails the write on a write-concern error, even one carrying a duplicate-key code', () => {
    const unconfirmed = new MongoWriteConcernError({ ok: 1, writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' } });
    assert.throws(() => insertOneOutcome(unconfirmed), MongoWriteConcernError);
    const both = new MongoWriteConcernError({ ok: 1, writeConcernError: { code: 11000, errmsg: 'E11000' } });
    assert.throws(() => insertOneOutcome(both), MongoWriteConcernError);
  });

  it('fails the write on any other error', () => {
    const other = new MongoServerError({ message: 'not primary', code: 10107 });
    assert.throws(() => insertOneOutcome(other), MongoServerError);
  });
});
