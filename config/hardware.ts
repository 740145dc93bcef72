/**
 * The `hardware` setting: which driver serves which part of the station,
 * with its bus, address and options. Empty (the default) is the simulated
 * station. Pure parsing and validation; `runtime/real_hardware.ts` builds
 * the drivers from it.
 *
 * ```json
 * {
 *   "modbus": { "rs485": { "type": "rtu", "device": "/dev/ttyUSB0", "baudRate": 9600 } },
 *   "meterPollMs": 1000,
 *   "connectors": [{
 *     "meter": { "driver": "sdm630", "bus": "rs485", "unit": 1 },
 *     "evse": { "driver": "evse-din", "bus": "rs485", "unit": 2, "maxCurrentA": 16 }
 *   }],
 *   "rfid": { "driver": "evdev", "name": "RFID", "format": { "input": "decimal" } }
 * }
 * ```
 *
 * @module
 */

/** A Modbus line or gateway. */
export type BusConfig =
  & { readonly timeoutMs: number; readonly retries: number }
  & (
    | { readonly type: "tcp" | "rtu-tcp"; readonly host: string; readonly port: number }
    | {
      readonly type: "rtu";
      readonly device: string;
      readonly baudRate: number;
      readonly parity: "none" | "even" | "odd";
      readonly stopBits: 1 | 2;
    }
  );

/** The drivers of one connector (a tethered cable: the EVSE DIN board has no lock). */
export interface ConnectorConfig {
  readonly meter: {
    readonly driver: "sdm630" | "sdm72";
    readonly bus: string;
    readonly unit: number;
    readonly maxPowerW: number;
  };
  readonly evse: {
    readonly driver: "evse-din";
    readonly bus: string;
    readonly unit: number;
    readonly maxCurrentA: number;
    readonly pollMs: number;
  };
}

/** The card reader. */
export interface RfidConfig {
  readonly driver: "evdev";
  readonly device?: string;
  readonly name?: string;
  readonly format: {
    readonly input: "decimal" | "hex";
    readonly output: "hex" | "decimal" | "typed";
    readonly byteOrder: "as-read" | "reversed";
    readonly bytes?: number;
  };
}

/** A whole station. */
export interface HardwareConfig {
  readonly modbus: Readonly<Record<string, BusConfig>>;
  readonly meterPollMs: number;
  readonly connectors: readonly ConnectorConfig[];
  /** `null`: no card reader. */
  readonly rfid: RfidConfig | null;
}

/** The parsed setting, or every problem with it (`path: reason`). */
export type ParsedHardware =
  | { readonly ok: true; readonly config: HardwareConfig }
  | { readonly ok: false; readonly errors: readonly string[] };

type Obj = Record<string, unknown>;

/** Checks and completes (defaults) a hardware configuration object. */
export function parseHardware(value: unknown): ParsedHardware {
  const errors: string[] = [];
  const err = (path: string, reason: string) => void errors.push(`${path} ${reason}`);
  const obj = (v: unknown, path: string, keys: string[]): Obj => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      err(path, "must be an object");
      return {};
    }
    for (const k of Object.keys(v)) if (!keys.includes(k)) err(`${path}.${k}`, "is not known");
    return v as Obj;
  };
  const int = (o: Obj, k: string, path: string, lo: number, hi: number, dflt?: number) => {
    const v = o[k] ?? dflt;
    if (!Number.isInteger(v) || (v as number) < lo || (v as number) > hi) {
      err(`${path}.${k}`, `must be an integer ${lo}-${hi}`);
      return lo;
    }
    return v as number;
  };
  const str = (o: Obj, k: string, path: string, dflt?: string): string => {
    const v = o[k] ?? dflt;
    if (typeof v !== "string" || v === "") {
      err(`${path}.${k}`, "must be a non-empty string");
      return "";
    }
    return v;
  };
  const pick = <T extends string>(o: Obj, k: string, path: string, values: T[], dflt?: T): T => {
    const v = o[k] ?? dflt;
    if (!values.includes(v as T)) err(`${path}.${k}`, `must be one of ${values.join(", ")}`);
    return v as T;
  };

  const top = obj(value, "hardware", ["modbus", "meterPollMs", "connectors", "rfid"]);
  const modbus: Record<string, BusConfig> = {};
  for (
    const [name, raw] of Object.entries(
      obj(top.modbus ?? {}, "hardware.modbus", Object.keys(top.modbus ?? {})),
    )
  ) {
    const path = `hardware.modbus.${name}`;
    const b = obj(raw, path, [
      "type",
      "host",
      "port",
      "device",
      "baudRate",
      "parity",
      "stopBits",
      "timeoutMs",
      "retries",
    ]);
    const common = {
      timeoutMs: int(b, "timeoutMs", path, 10, 60_000, 1000),
      retries: int(b, "retries", path, 0, 10, 2),
    };
    const type = pick(b, "type", path, ["tcp", "rtu-tcp", "rtu"]);
    modbus[name] = type === "rtu"
      ? {
        ...common,
        type,
        device: str(b, "device", path),
        baudRate: int(b, "baudRate", path, 1200, 921_600, 9600),
        parity: pick(b, "parity", path, ["none", "even", "odd"], "none"),
        stopBits: int(b, "stopBits", path, 1, 2, 1) as 1 | 2,
      }
      : { ...common, type, host: str(b, "host", path), port: int(b, "port", path, 1, 65535, 502) };
  }
  const bus = (o: Obj, path: string) => {
    const name = str(o, "bus", path);
    if (name && !modbus[name]) {
      err(`${path}.bus`, `names no bus in hardware.modbus (${JSON.stringify(name)})`);
    }
    return name;
  };
  if (!Array.isArray(top.connectors) || top.connectors.length < 1 || top.connectors.length > 8) {
    err("hardware.connectors", "must be a list of 1-8 connectors");
  }
  const connectors = (Array.isArray(top.connectors) ? top.connectors : []).map((raw, i) => {
    const path = `hardware.connectors[${i}]`;
    const c = obj(raw, path, ["meter", "evse"]);
    const m = obj(c.meter, `${path}.meter`, ["driver", "bus", "unit", "maxPowerW"]);
    const e = obj(c.evse, `${path}.evse`, ["driver", "bus", "unit", "maxCurrentA", "pollMs"]);
    return {
      meter: {
        driver: pick(m, "driver", `${path}.meter`, ["sdm630", "sdm72"]),
        bus: bus(m, `${path}.meter`),
        unit: int(m, "unit", `${path}.meter`, 1, 247),
        maxPowerW: int(m, "maxPowerW", `${path}.meter`, 1000, 100_000, 44_000),
      },
      evse: {
        driver: pick(e, "driver", `${path}.evse`, ["evse-din"]),
        bus: bus(e, `${path}.evse`),
        unit: int(e, "unit", `${path}.evse`, 1, 247),
        maxCurrentA: int(e, "maxCurrentA", `${path}.evse`, 6, 80),
        pollMs: int(e, "pollMs", `${path}.evse`, 100, 60_000, 1000),
      },
    };
  });
  let rfid: RfidConfig | null = null;
  if (top.rfid !== undefined && top.rfid !== null) {
    const path = "hardware.rfid";
    const r = obj(top.rfid, path, ["driver", "device", "name", "format"]);
    const f = obj(r.format ?? {}, `${path}.format`, ["input", "output", "byteOrder", "bytes"]);
    if ((r.device === undefined) === (r.name === undefined)) {
      err(path, "needs either device or name");
    }
    rfid = {
      driver: pick(r, "driver", path, ["evdev"]),
      ...(r.device !== undefined ? { device: str(r, "device", path) } : {}),
      ...(r.name !== undefined ? { name: str(r, "name", path) } : {}),
      format: {
        input: pick(f, "input", `${path}.format`, ["decimal", "hex"], "decimal"),
        output: pick(f, "output", `${path}.format`, ["hex", "decimal", "typed"], "hex"),
        byteOrder: pick(f, "byteOrder", `${path}.format`, ["as-read", "reversed"], "as-read"),
        ...(f.bytes !== undefined ? { bytes: int(f, "bytes", `${path}.format`, 1, 10) } : {}),
      },
    };
  }
  const meterPollMs = int(top, "meterPollMs", "hardware", 100, 60_000, 1000);
  if (errors.length) return { ok: false, errors };
  return { ok: true, config: { modbus, meterPollMs, connectors, rfid } };
}

/** The registry check of the stored text: `""` (simulated station) or a valid configuration. */
export function checkHardwareText(text: unknown): string | undefined {
  if (text === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(String(text));
  } catch {
    return "must be a JSON object";
  }
  const parsed = parseHardware(value);
  return parsed.ok ? undefined : parsed.errors.join("; ");
}
