import assert from 'node:assert/strict';
import type { EmbeddedDb, EmbeddedDbExit, EmbeddedDbOptions } from '../../server/embedded/embedded-db.js';
import { superviseEmbeddedDb, type EmbeddedDbSupervisorOptions } from '../../server/embedded/embedded-db-supervisor.js';

/** Engine processes that the test ends at will; records how each was started. */
function fakeEngines() {
  const started: Array<{ options: EmbeddedDbOptions; die: (exit: EmbeddedDbExit) => void; stopped: boolean }> = [];
  const start = async (options: EmbeddedDbOptions): Promise<EmbeddedDb> => {
    let die!: (exit: EmbeddedDbExit) => void;
    const exited = new Promise<EmbeddedDbExit>((resolve) => (die = resolve));
    const engine = { options, die, stopped: false };
    started.push(engine);
    return {
      uri: `mongodb://127.0.0.1:${options.port ?? 41234}/`,
      exited,
      async stop() {
        engine.stopped = true;
        die({ code: 0, signal: null });
      },
    };
  };
  return { started, start };
}

describe('embedded database supervisor', () => {
  const events: string[] = [];
  const options = (start: EmbeddedDbSupervisorOptions['start']): EmbeddedDbSupervisorOptions => ({
    binary: 'unused',
    dataDir: '/data',
    start,
    onExit: (exit, ms) => events.push(`exit ${exit.signal ?? exit.code} restart in ${ms}`),
    onRestart: () => events.push('restarted'),
    onRestartFailed: (_err, ms) => events.push(`failed, retry in ${ms}`),
  });
  beforeEach(() => (events.length = 0));

  it('restarts a dead engine on its first port and data directory, and keeps the URI', async () => {
    const engines = fakeEngines();
    const db = await superviseEmbeddedDb(options(engines.start));
    assert.equal(db.uri, 'mongodb://127.0.0.1:41234/');
    engines.started[0]!.die({ code: null, signal: 'SIGKILL' });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(events, ['exit SIGKILL restart in 100', 'restarted']);
    assert.equal(engines.started.length, 2);
    assert.equal(engines.started[1]!.options.port, 41234);
    assert.equal(engines.started[1]!.options.dataDir, '/data');
    // And again: each new process is watched too.
    engines.started[1]!.die({ code: 2, signal: null });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(engines.started.length, 3);
    await db.stop();
    assert.ok(engines.started[2]!.stopped, 'stop() ends the current process');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(engines.started.length, 3, 'and nothing restarts it');
  });

  it('does not restart when stopped during the wait before a restart', async () => {
    const engines = fakeEngines();
    const db = await superviseEmbeddedDb(options(engines.start));
    engines.started[0]!.die({ code: null, signal: 'SIGSEGV' });
    await new Promise((r) => setImmediate(r));
    await db.stop();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(engines.started.length, 1);
    assert.deepEqual(events, ['exit SIGSEGV restart in 100']);
  });

  it('keeps trying, backing off, while the engine fails to start', async () => {
    const engines = fakeEngines();
    let failures = 1;
    const start = async (o: EmbeddedDbOptions) => {
      if (engines.started.length >= 1 && failures-- > 0) throw new Error('address in use');
      return engines.start(o);
    };
    const db = await superviseEmbeddedDb(options(start));
    engines.started[0]!.die({ code: 1, signal: null });
    await new Promise((r) => setTimeout(r, 1400));
    assert.deepEqual(events, ['exit 1 restart in 100', 'failed, retry in 1000', 'restarted']);
    await db.stop();
  });
});
