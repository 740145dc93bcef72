import assert from "node:assert/strict";
import { CertStore } from "./cert_store.ts";
import { CertService } from "./cert_service.ts";
import { Storage } from "./storage.ts";
import { ConfigStore } from "../config/store.ts";
import { CertMaker } from "../tests/_cert_pki.ts";

const certs = await CertMaker.create();
const ca = await certs.root("Unit CPO Root");
globalThis.addEventListener("unload", () => Deno.removeSync(certs.dir, { recursive: true }));

async function service(settings: Record<string, unknown>) {
  const dir = await Deno.makeTempDir({ prefix: "cert-service-" });
  const store = await ConfigStore.open(dir);
  await store.apply(store.validateSettings(settings));
  const storage = Storage.open(":memory:");
  const now = () => Date.now() + 5_000;
  return {
    dir,
    jobs: new CertService(new CertStore(storage, store, now)),
    [Symbol.asyncDispose]: async () => {
      storage.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function csr(jobs: CertService): Promise<string> {
  const o = await jobs.run({ kind: "csr" });
  assert.ok(o.kind === "csr" && o.csr !== undefined, JSON.stringify(o));
  return o.csr;
}

Deno.test("the CSR's subject: CN = the serial number (A00.FR.511), O = CpoName (A02.FR.13)", async () => {
  await using s = await service({
    chargePointId: "WB-LOBBY",
    chargePointSerialNumber: "OW-2026-000417",
    cpoName: "Unit CPO",
  });
  const facts = await certs.csrFacts(await csr(s.jobs));
  assert.equal(facts.subject, "subject=CN = OW-2026-000417, O = Unit CPO");
  // The signed certificate must name the same serial number: one for the id is refused.
  const forId = await certs.sign(await csr(s.jobs), ca, "/CN=WB-LOBBY/O=Unit CPO");
  const refused = await s.jobs.run({ kind: "signed", chain: forId });
  assert.deepEqual(refused, {
    kind: "signed",
    status: "Rejected",
    reason: "the certificate's CN is not OW-2026-000417",
  });
});

Deno.test("the CSR's subject without a serial number set: CN = the Charge Point id", async () => {
  await using s = await service({ chargePointId: "WB-LOBBY", cpoName: "Unit CPO" });
  const facts = await certs.csrFacts(await csr(s.jobs));
  assert.equal(facts.subject, "subject=CN = WB-LOBBY, O = Unit CPO");
});
