import { stopTestEngine } from './test-database.js';

// The database engine starts on the first test that asks for a database (createTestDatabase),
// so the unit and service tiers run without it (and without Go).
export const mochaHooks = {
  async afterAll() {
    await stopTestEngine();
  },
};
