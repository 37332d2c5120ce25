import assert from 'node:assert/strict';
import { createHealthMonitor, type HealthMonitor, type HealthSnapshot } from '../../server/service/health-monitor.js';

/** A database stand-in whose answers the test decides. */
function fakeDatabase() {
  const db = {
    mode: 'up' as 'up' | 'down' | 'hang',
    missing: [] as string[],
    pings: 0,
    async ping() {
      db.pings++;
      if (db.mode === 'down') throw new Error('connect ECONNREFUSED 10.0.0.7:27017 (user alice)');
      if (db.mode === 'hang') await new Promise(() => {});
    },
    async missingIndexes() {
      return db.missing;
    },
  };
  return db;
}

/** Collects what a watch yields, until stopped. */
function collect(monitor: HealthMonitor, signal: AbortSignal) {
  const seen: boolean[] = [];
  const done = (async () => {
    for await (const s of monitor.watch(signal)) seen.push(s.serving);
  })();
  return { seen, done };
}

async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), `timed out waiting for: ${what}`);
}

describe('health monitor', () => {
  let monitor: HealthMonitor | undefined;
  afterEach(() => monitor?.stop());

  it('serves once the database answers, and reports the round trip', async () => {
    const db = fakeDatabase();
    const roundTrips: number[] = [];
    monitor = createHealthMonitor({
      ping: db.ping,
      missingIndexes: db.missingIndexes,
      intervalMs: 20,
      timeoutMs: 200,
      onRoundTrip: (s) => roundTrips.push(s),
    });
    assert.equal(monitor.current().serving, false, 'not serving before the first probe');
    await monitor.start();
    const s = monitor.current();
    assert.equal(s.serving, true);
    assert.equal(s.databaseReachable, true);
    assert.equal(s.problem, undefined);
    assert.ok(s.roundTripMs !== undefined && s.roundTripMs >= 0);
    assert.equal(roundTrips.length, 1);
    await until(() => db.pings >= 3, 'periodic probes');
  });

  it('streams every change to watchers: serving, not serving, serving again', async () => {
    const db = fakeDatabase();
    const changes: Array<[boolean, unknown]> = [];
    monitor = createHealthMonitor({
      ping: db.ping,
      missingIndexes: db.missingIndexes,
      intervalMs: 20,
      timeoutMs: 200,
      onChange: (s, err) => changes.push([s.serving, err]),
    });
    await monitor.start();
    const abort = new AbortController();
    const watch = collect(monitor, abort.signal);
    await until(() => watch.seen.length === 1, 'the current state');
    db.mode = 'down';
    await until(() => watch.seen.length === 2, 'not serving');
    const down: HealthSnapshot = monitor.current();
    assert.equal(down.databaseReachable, false);
    assert.equal(down.problem, 'the database is unreachable', 'no driver text (hosts, users) in what clients see');
    db.mode = 'up';
    await until(() => watch.seen.length === 3, 'serving again');
    abort.abort();
    await watch.done;
    assert.deepEqual(watch.seen, [true, false, true]);
    assert.deepEqual(
      changes.map(([serving]) => serving),
      [true, false, true],
    );
    assert.match(String(changes[1]![1]), /ECONNREFUSED/, 'the log gets the cause');
  });

  it('is not serving when indexes are missing, and names them', async () => {
    const db = fakeDatabase();
    db.missing = ['invites_by_expiry'];
    monitor = createHealthMonitor({ ping: db.ping, missingIndexes: db.missingIndexes, intervalMs: 1000, timeoutMs: 200 });
    await monitor.start();
    const s = monitor.current();
    assert.equal(s.serving, false);
    assert.equal(s.databaseReachable, true);
    assert.deepEqual(s.missingIndexes, ['invites_by_expiry']);
    assert.match(s.problem!, /invites_by_expiry/);
  });

  it('counts a database that does not answer in time as down, without piling up pings', async () => {
    const db = fakeDatabase();
    db.mode = 'hang';
    monitor = createHealthMonitor({ ping: db.ping, missingIndexes: db.missingIndexes, intervalMs: 10, timeoutMs: 30 });
    await monitor.start();
    assert.equal(monitor.current().serving, false);
    assert.match(monitor.current().problem!, /did not answer within 30 ms/);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(db.pings, 1, 'one hung ping at a time');
    assert.equal(monitor.current().serving, false);
  });

  it('on stop, tells watchers it no longer serves and ends their streams', async () => {
    const db = fakeDatabase();
    monitor = createHealthMonitor({ ping: db.ping, missingIndexes: db.missingIndexes, intervalMs: 1000, timeoutMs: 200 });
    await monitor.start();
    const watch = collect(monitor, new AbortController().signal);
    await until(() => watch.seen.length === 1, 'the current state');
    monitor.stop();
    await watch.done;
    assert.deepEqual(watch.seen, [true, false]);
    const pings = db.pings;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(db.pings, pings, 'no probes after stop');
  });
});
