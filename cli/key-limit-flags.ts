import { Flags } from '@oclif/core';
import { parseDurationSeconds } from '../server/domain/duration.js';

/** A lifetime ceiling: a duration, or 0 for none. */
const maxTtlFlag = Flags.custom<number>({
  async parse(input) {
    const seconds = input === '0' ? 0 : parseDurationSeconds(input);
    if (seconds === undefined) throw new Error(`must be a duration such as 3600, 12h, 7d or 2w (0: none), not "${input}"`);
    return seconds;
  },
});

/** keys:create and keys:update: the ceilings on the invites a key creates (0 removes one). */
export const keyCeilingFlags = {
  'max-valid-invites': Flags.integer({
    description: 'the most valid invites the key may hold at once (0: no ceiling)',
    min: 0,
    max: 0xffff_ffff,
    helpValue: 'N',
  }),
  'max-uses-ceiling': Flags.integer({
    description: 'the largest --uses the key may ask for (1 to 1000; 0: no ceiling)',
    min: 0,
    max: 0xffff_ffff,
    helpValue: 'N',
  }),
  'max-ttl': maxTtlFlag({
    description: 'the longest invite lifetime the key may ask for (e.g. 7d; 0: the host maximum)',
    helpValue: 'DURATION',
  }),
};
