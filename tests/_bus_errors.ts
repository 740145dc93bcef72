/**
 * Tests fail on an error inside the bus (a transition, subscriber or tap
 * that throws): the runtime's `onBusError` for tests.
 *
 * @module
 */
import type { BusError } from "../actors/bus.ts";

/**
 * An error inside the bus fails the test: rethrown where it happened, and
 * again from a microtask so that code catching it on the way (a socket's
 * read loop) cannot hide it.
 */
export function failOnBusError(e: BusError): never {
  const err = e.error instanceof Error ? e.error : new Error(String(e.error));
  queueMicrotask(() => {
    throw new Error(`Error inside the bus (${e.where}): ${err.message}`, { cause: err });
  });
  throw err;
}
