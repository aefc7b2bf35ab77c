// The one place a test may be skipped or marked todo without failing
// `./stackctl test`: its file (relative to the repository root), its name as
// written, and why, with what would let it run. Empty is the goal: a test
// that cannot run here should fail and say why, not pass by skipping.
import type { AllowedSkip } from '../src/test-tally.ts';

export const allowedSkips: readonly AllowedSkip[] = [];
