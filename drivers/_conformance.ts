/**
 * Shared plumbing of the driver conformance suites (private to `drivers/`).
 *
 * @module
 */
import assert from "node:assert/strict";

/** What every harness may offer: a way to release the driver after a case. */
export interface Closable {
  /** Releases the driver (GPIO, serial port) after each case. */
  close?(): void | Promise<void>;
}

/**
 * Registers one conformance case: makes a fresh harness, runs `fn`, closes it.
 *
 * @param name The full test name.
 * @param make The harness factory.
 * @param run Whether the case applies (else it is registered as ignored).
 * @param fn The case.
 */
export function conformanceCase<H extends Closable>(
  name: string,
  make: () => H | Promise<H>,
  run: boolean,
  fn: (harness: H) => void | Promise<void>,
): void {
  Deno.test({
    name,
    ignore: !run,
    async fn() {
      const harness = await make();
      try {
        await fn(harness);
      } finally {
        await harness.close?.();
      }
    },
  });
}

/** Asserts the harness offers a control the chosen options promise. */
export function control<T>(value: T | undefined, name: string, option: string): T {
  assert.ok(value, `the harness must provide ${name}() when option ${option} is set`);
  return value;
}
