// The test fault dropOneIn (packages/platform/src/test-faults.ts): the
// analytics projection leaves one change in every n out of TimescaleDB and
// reports it applied all the same, as a projection that lost a message would.
// Only a test's own analytics process runs with it: the history checker must
// then find the change missing (convergence, lost or resurrected, and any read
// after a strong write or with its token).
export class DropFault {
  readonly oneIn: number;
  #seen = 0;

  constructor(oneIn: number) {
    this.oneIn = oneIn;
  }

  /** Whether this change (the next one counted) is dropped. */
  drops(): boolean {
    this.#seen++;
    return this.#seen % this.oneIn === 0;
  }
}
