/**
 * Consul's StatusHandler (agent/checks/check.go): consecutive-result thresholds between a
 * probe's raw result and the status that is reported. A check only turns passing after
 * `successBeforePassing` successes in a row, warning after `failuresBeforeWarning` failures,
 * and critical after `failuresBeforeCritical`; in between, the previous status stands.
 *
 * Pure: no Node APIs.
 */
import type { CheckStatus } from "../catalog/record.js";
import type { CheckThresholds } from "./check-definition.js";

/** Threshold state of one check. */
export class StatusHandler {
  private successes = 0;
  private failures = 0;

  constructor(private readonly thresholds: CheckThresholds) {}

  /**
   * Feeds one probe result; returns the status to report, or undefined when a threshold has
   * not been reached and the current status stays.
   */
  next(result: CheckStatus): CheckStatus | undefined {
    if (result === "passing" || result === "warning") {
      this.successes++;
      this.failures = 0;
      return this.successes >= this.thresholds.successBeforePassing ? result : undefined;
    }
    this.successes = 0;
    this.failures++;
    if (this.failures >= this.thresholds.failuresBeforeCritical) return "critical";
    if (this.failures >= this.thresholds.failuresBeforeWarning) return "warning";
    return undefined;
  }
}
