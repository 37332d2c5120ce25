import { startTestEngine, stopTestEngine } from './test-database.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    await startTestEngine();
  },
  async afterAll() {
    await stopTestEngine();
  },
};
