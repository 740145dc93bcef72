/**
 * Real hardware as the runtime's hardware, built from the `hardware`
 * setting (`config/hardware.ts`): per connector an Eastron meter and an
 * EVSE DIN board (relay, pilot and faults; a tethered cable) on a Modbus
 * bus, and an evdev RFID reader. Loaded with a dynamic `import()` only when
 * the setting is not empty, so the simulated station pays nothing for it.
 *
 * Driver messages (a lost board, a reader gone) go to the bus log while
 * the bridge runs, else to `log`.
 *
 * @module
 */
import type { Bus } from "../actors/bus.ts";
import type { Clock } from "../actors/clock.ts";
import type { HardwareConfig } from "../config/hardware.ts";
import type { ConnectorHardware, Hardware as Station, RfidReader } from "../drivers/mod.ts";
import { EvseDinBoard } from "../drivers/evse_din.ts";
import { SdmMeter } from "../drivers/meter_sdm.ts";
import { ModbusClient } from "../drivers/modbus_client.ts";
import { EvdevRfidReader } from "../drivers/rfid_evdev.ts";
import { startHardware } from "./hardware.ts";
import type { Hardware } from "./runtime.ts";

type Level = "info" | "warn" | "error";

/** The hardware, with its drivers for the status and tests. */
export interface RealHardware extends Hardware {
  readonly clients: ReadonlyMap<string, ModbusClient>;
  readonly meters: readonly SdmMeter[];
  readonly boards: readonly EvseDinBoard[];
  readonly rfid: EvdevRfidReader | null;
  /** BootNotification's meterType: the first connector's meter. */
  readonly meterType: string;
  /** Closes the buses and the reader (the end of the process, tests). */
  close(): Promise<void>;
}

/** Options of {@link realHardware}. */
export interface RealHardwareOptions {
  readonly clock: Clock;
  readonly log: (level: Level, text: string) => void;
  /** Time a driver call may take in the bridge, ms (its default otherwise). */
  readonly driverTimeoutMs?: number;
  /** Where evdev device names are listed (tests). */
  readonly devicesFile?: string;
}

/** Builds the drivers; nothing is opened before {@link Hardware.start}. */
export function realHardware(config: HardwareConfig, opts: RealHardwareOptions): RealHardware {
  const { clock } = opts;
  let emit = opts.log;
  const log = (level: Level, text: string) => emit(level, text);
  const clients = new Map<string, ModbusClient>();
  for (const [name, bus] of Object.entries(config.modbus)) {
    const target = bus.type === "rtu"
      ? {
        kind: "rtu" as const,
        device: bus.device,
        baudRate: bus.baudRate,
        parity: bus.parity,
        stopBits: bus.stopBits,
      }
      : { kind: bus.type, host: bus.host, port: bus.port };
    clients.set(
      name,
      new ModbusClient(target, { clock, timeoutMs: bus.timeoutMs, retries: bus.retries }),
    );
  }
  const client = (name: string) => clients.get(name)!;
  const meters = config.connectors.map((c) =>
    new SdmMeter(client(c.meter.bus), {
      unit: c.meter.unit,
      model: c.meter.driver,
      maxPowerW: c.meter.maxPowerW,
    })
  );
  const boards = config.connectors.map((c) =>
    new EvseDinBoard(client(c.evse.bus), {
      clock,
      unit: c.evse.unit,
      maxCurrentA: c.evse.maxCurrentA,
      pollMs: c.evse.pollMs,
      log,
    })
  );
  const r = config.rfid;
  const rfid = r
    ? new EvdevRfidReader({
      clock,
      ...(r.device ? { device: r.device } : {}),
      ...(r.name ? { name: r.name } : {}),
      ...(opts.devicesFile ? { devicesFile: opts.devicesFile } : {}),
      format: r.format,
      log,
    })
    : null;
  const noReader: RfidReader = { onTap: () => () => {} };
  const station: Station = {
    connectors: boards.map((board, i): ConnectorHardware => ({
      relay: board.relay,
      meter: meters[i]!,
      pilot: board.pilot,
      faults: board.faults,
      lock: {
        fixedCable: true,
        lock: () => Promise.resolve(true),
        unlock: () => Promise.resolve("Unlocked"),
      },
    })),
    rfid: rfid ?? noReader,
  };
  let readerStarted = false;
  return {
    connectorCount: boards.length,
    meterType: `Eastron ${config.connectors[0]!.meter.driver.toUpperCase()}`,
    clients,
    meters,
    boards,
    rfid,
    async start(bus: Bus) {
      emit = (level, text) => bus.publish({ type: "log", level, text });
      // The pilot state and faults are known before the bridge reports them.
      await Promise.all(boards.map((b) => b.poll()));
      for (const b of boards) b.start();
      if (rfid && !readerStarted) rfid.start();
      readerStarted = true;
      const stop = await startHardware(bus, station, clock, {
        meterPollMs: config.meterPollMs,
        ...(opts.driverTimeoutMs ? { driverTimeoutMs: opts.driverTimeoutMs } : {}),
      });
      return () => {
        stop();
        for (const b of boards) b.stop();
        emit = opts.log;
      };
    },
    async close() {
      for (const b of boards) b.stop();
      for (const c of clients.values()) c.close();
      await rfid?.close();
    },
  };
}
