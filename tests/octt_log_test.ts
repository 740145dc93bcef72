/**
 * OCTT Get Security Log (TC_079, Security Whitepaper N01) against the strict
 * Central System: the security log uploaded to a real FTP server on
 * 127.0.0.1 (pyftpdlib), its LogStatusNotifications with the requestId, a
 * new GetLog cancelling a running one, and a failed upload.
 */
import assert from "node:assert/strict";
import { rpcIdle, startRig } from "./harness.ts";
import { startFtp, startHttp } from "./_transfer_peers.ts";
import { CertMaker } from "./_cert_pki.ts";

const certs = await CertMaker.create();
const expired = await certs.expiredRoot("Expired for the log");
globalThis.addEventListener("unload", () => Deno.removeSync(certs.dir, { recursive: true }));

/** The names and texts of a gzip tar archive's files. */
async function untar(path: string): Promise<Record<string, string>> {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command("tar", { args: ["xzf", path, "-C", dir] }).output();
    assert.ok(out.success, "a gzip tar archive");
    const files: Record<string, string> = {};
    for await (const e of Deno.readDir(dir)) {
      files[e.name] = await Deno.readTextFile(`${dir}/${e.name}`);
    }
    return files;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("TC_079 Get Security Log", async () => {
  await using ftp = await startFtp();
  await Deno.mkdir(`${ftp.root}/logs`);
  await using r = await startRig();
  const { csms } = r;
  // A security event to find in the log.
  const rejected = await csms.call("InstallCertificate", {
    certificateType: "CentralSystemRootCertificate",
    certificate: expired.pem,
  });
  assert.equal(rejected.status, "Rejected");
  await rpcIdle(r);
  const from = csms.mark;
  // Step 1-2: log.remoteLocation is the configured log location, logType SecurityLog.
  const answer = await csms.call("GetLog", {
    logType: "SecurityLog",
    requestId: 79,
    log: { remoteLocation: `${ftp.base}/logs` },
  });
  assert.equal(answer.status, "Accepted");
  assert.match(answer.filename, /^SecurityLog-CP-TEST-1-\d{8}T\d{6}Z\.tar\.gz$/);
  // Steps 3-6: Uploading, then Uploaded, each with the requestId (N01.FR.07).
  await csms.next("LogStatusNotification", from, (p) => p.status === "Uploaded");
  assert.deepEqual(csms.all("LogStatusNotification", from).map((c) => c.params), [
    { status: "Uploading", requestId: 79 },
    { status: "Uploaded", requestId: 79 },
  ]);
  // Expected result: the security log is at the location.
  const files = await untar(`${ftp.root}/logs/${answer.filename}`);
  assert.deepEqual(Object.keys(files), ["security.log"]);
  assert.match(
    files["security.log"]!,
    /^\d{4}-\d\d-\d\dT[\d:.]+Z InvalidCentralSystemCertificate the certificate is expired/m,
  );
  await rpcIdle(r);
  assert.deepEqual(csms.invalid, []);
});

Deno.test("GetLog: a new request while one runs is AcceptedCanceled; a failed upload ends in UploadFailure", async () => {
  await using http = startHttp();
  await using r = await startRig();
  const { csms } = r;
  // A location that answers nothing useful: the upload fails (no retries asked).
  const from = csms.mark;
  const first = await csms.call("GetLog", {
    logType: "DiagnosticsLog",
    requestId: 1,
    retries: 0,
    log: { remoteLocation: "ftp://127.0.0.1:1/nowhere" },
  });
  assert.equal(first.status, "Accepted");
  await csms.next("LogStatusNotification", from, (p) => p.status === "UploadFailure");
  assert.deepEqual(csms.all("LogStatusNotification", from).map((c) => c.params), [
    { status: "Uploading", requestId: 1 },
    { status: "UploadFailure", requestId: 1 },
  ]);
  // One that waits for its retry is replaced by a new request.
  const mark = csms.mark;
  await csms.call("GetLog", {
    logType: "SecurityLog",
    requestId: 2,
    retries: 3,
    retryInterval: 600,
    log: { remoteLocation: "ftp://127.0.0.1:1/nowhere" },
  });
  await csms.until(
    () => r.logs.some((l) => l.includes("GetLog 2") && l.includes("trying again")),
    "the first attempt to fail",
  );
  const second = await csms.call("GetLog", {
    logType: "SecurityLog",
    requestId: 3,
    log: { remoteLocation: `${http.base}/upload` },
  });
  assert.equal(second.status, "AcceptedCanceled");
  await csms.next("LogStatusNotification", mark, (p) => p.status === "Uploaded");
  assert.deepEqual(csms.all("LogStatusNotification", mark).map((c) => c.params), [
    { status: "Uploading", requestId: 2 },
    { status: "Uploading", requestId: 3 },
    { status: "Uploaded", requestId: 3 },
  ]);
  assert.equal(http.uploads.length, 1);
  assert.equal(http.uploads[0]!.fileName, second.filename);
  await rpcIdle(r);
  assert.deepEqual(csms.invalid, []);
});
