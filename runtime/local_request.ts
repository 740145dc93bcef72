/**
 * Requests of the local API that the Central System could also make (Reset,
 * ChangeAvailability), put on the bus as an `ocpp.request` with a local id
 * ({@link LOCAL_REQUEST_PREFIX}), so the same actor decides them by the same
 * rules (a Reset stops every transaction first, an Inoperative connector
 * with a transaction is Scheduled). Their answer comes back here, never to
 * the backend.
 *
 * @module
 */
import type { Bus } from "../actors/bus.ts";
import { LOCAL_REQUEST_PREFIX } from "../actors/rpc.ts";
import type { CsAction, Payload } from "../ocpp/types.ts";
import { asRequest } from "../actors/_messages_link.ts";

let next = 0;

/**
 * Publishes the request and resolves to its answer's status (the bus answers
 * synchronously; `Rejected` when nothing answered).
 */
export function localRequest(bus: Bus, action: CsAction, payload: Payload): string {
  const id = `${LOCAL_REQUEST_PREFIX}${++next}`;
  let status = "Rejected";
  const offReply = bus.subscribe("ocpp.reply", (m) => {
    if (m.id !== id) return;
    const payload = m.payload as { status?: unknown };
    status = String(payload.status ?? "Rejected");
  });
  const offError = bus.subscribe("ocpp.reply_error", (m) => {
    if (m.id === id) status = "Rejected";
  });
  try {
    bus.publish(asRequest(id, action, payload));
  } finally {
    offReply();
    offError();
  }
  return status;
}
