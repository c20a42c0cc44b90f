import { MemoryLimits } from '../../src/platform/limits/memory.limits.ts';
import { describeLimitsContract } from './limits.contract.ts';

describeLimitsContract('memory', async (clock) => {
  const limits = new MemoryLimits(clock);
  return { limits, cleanup: () => limits.close() };
});
