/**
 * Serf's Lamport clock (`serf/lamport.go`): starts at 1; `witness(t)` moves it past any time
 * seen from a peer so the next local stamp is later than everything observed.
 */
export class LamportClock {
  private current = 1;

  /**
   * @param restored A time saved by a previous run (snapshot): the clock starts past it, as
   *   Serf's Create witnesses the snapshot's clocks.
   */
  constructor(restored?: number) {
    if (restored !== undefined) this.witness(restored);
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
