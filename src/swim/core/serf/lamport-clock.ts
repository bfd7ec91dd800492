/**
 * Serf's Lamport clock (`serf/lamport.go`): starts at 1; `witness(t)` moves it past any time
 * seen from a peer so the next local stamp is later than everything observed.
 */
export class LamportClock {
  private current = 1;

  /**
   * @param restored The {@link time} a previous run saved (snapshot): the clock resumes there.
   *   Serf saves the last time it *saw* and witnesses it on restart, landing on the same value.
   */
  constructor(restored?: number) {
    if (restored !== undefined && restored > this.current) this.current = restored;
  }

  /** The current time (the stamp the next local message gets). */
  time(): number {
    return this.current;
  }

  /** Advance by one and return the new time. */
  increment(): number {
    return ++this.current;
  }

  /** A peer's time `t` was observed: afterwards `time() > t`. */
  witness(t: number): void {
    if (t >= this.current) this.current = t + 1;
  }
}
