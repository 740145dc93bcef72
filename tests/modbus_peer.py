#!/usr/bin/python3
"""An independent Modbus server for the driver tests (Debian's python3-pymodbus).

Serves, on one bus as on a wallbox's RS485 line:
  unit 1: an Eastron SDM630 energy meter (input registers, float32 high word first):
          0x00/0x02/0x04 voltage L1-L3 (V), 0x06/0x08/0x0A current L1-L3 (A),
          0x0C/0x0E/0x10 power L1-L3 (W), 0x34 total power (W), 0x46 frequency (Hz),
          0x48 import energy (kWh), 0x156 total energy (kWh)
  unit 2: an EVSE DIN (SimpleEVSE) board (holding registers):
          1000 configured amps (R/W), 1001 actual amps, 1002 vehicle state (1 A .. 5 E),
          1003 cable limit, 1004 control bits, 1005 firmware, 1006 EVSE state,
          1007 status bits (0 relay on, 1 diode check fail, 2 vent required,
          3 waiting for pilot release, 4 RCD check error), 2000-2017 configuration

Usage: modbus_peer.py tcp | rtu-tcp | serial:/dev/pts/N
Prints "ready PORT" (0 for serial) once serving. Then reads one JSON command per
line on stdin and answers one JSON line on stdout:
  {"meter": {"energy_kwh": 1.5, "power_w": 7400, "voltage": [..], "current": [..]}}
  {"advance_ms": 60000}          energy += power * time
  {"board": {"vehicle": 2, "status": 0, "relay_stuck": false, "fail_writes": 1}}
  {"mode": {"unit": 2, "mode": "ok" | "silent" | "exception" | "nan"}}
  {"set": {"unit": 2, "address": 1000, "values": [0]}}  (as if written by another master)
  {"old_firmware": true}         the board has no register 1007 (illegal data address)
  {"get": {"unit": 2, "address": 1000, "count": 8}}  -> {"values": [...]}
Exits when stdin closes.
"""
import asyncio
import json
import logging
import struct
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.exceptions import NoSuchSlaveException
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

logging.disable(logging.CRITICAL)

MODES = {1: "ok", 2: "ok"}
METER = {"energy_kwh": 1234.5, "power_w": 0.0, "voltage": [230.0, 231.0, 229.0],
         "current": [0.0, 0.0, 0.0]}
BOARD = {"vehicle": 1, "status": 0, "relay_stuck": False, "fail_writes": 0}


def floats(value):
    return list(struct.unpack(">HH", struct.pack(">f", value)))


class Block(ModbusSequentialDataBlock):
    """Registers with a hook after every write from the bus."""

    def __init__(self, address, values, on_write=None):
        super().__init__(address, values)
        self.on_write = on_write
        self.limit = None

    def validate(self, address, count=1):
        if self.limit is not None and address + count > self.limit:
            return False
        return super().validate(address, count)

    def setValues(self, address, values):  # noqa: N802 (pymodbus API)
        if BOARD["fail_writes"] > 0 and self is board_hr:
            BOARD["fail_writes"] -= 1
            raise RuntimeError("simulated write failure")
        super().setValues(address, values)
        if self.on_write:
            self.on_write()


class Slave(ModbusSlaveContext):
    def __init__(self, unit, **kwargs):
        super().__init__(zero_mode=True, **kwargs)
        self.unit = unit

    def getValues(self, fc_as_hex, address, count=1):  # noqa: N802
        if MODES[self.unit] == "exception":
            raise RuntimeError("simulated device failure")
        return super().getValues(fc_as_hex, address, count)


class Context(ModbusServerContext):
    def __getitem__(self, unit):
        if MODES.get(unit) == "silent":
            raise NoSuchSlaveException(f"unit {unit} is silent")
        return super().__getitem__(unit)


meter_ir = Block(0, [0] * 0x200)
board_hr = Block(0, [0] * 2100)


def update_meter():
    nan = MODES[1] == "nan"
    m = METER
    power = [v * a for v, a in zip(m["voltage"], m["current"])]
    if sum(power) > 0:
        power = [p * m["power_w"] / sum(power) for p in power]
    else:
        power = [m["power_w"] / 3] * 3
    values = {0x00: m["voltage"][0], 0x02: m["voltage"][1], 0x04: m["voltage"][2],
              0x06: m["current"][0], 0x08: m["current"][1], 0x0A: m["current"][2],
              0x0C: power[0], 0x0E: power[1], 0x10: power[2], 0x34: m["power_w"],
              0x46: 50.0, 0x48: m["energy_kwh"], 0x156: m["energy_kwh"]}
    for address, value in values.items():
        meter_ir.values[address:address + 2] = floats(float("nan") if nan else value)


def update_board():
    hr = board_hr.values
    amps = hr[1000]
    vehicle = BOARD["vehicle"]
    relay = BOARD["relay_stuck"] or (vehicle in (3, 4) and amps >= 6)
    hr[1001] = amps if relay else 0
    hr[1002] = vehicle
    hr[1006] = 1 if vehicle == 1 else (2 if amps >= 6 else 3)
    hr[1007] = (BOARD["status"] & ~1) | (1 if relay else 0)


board_hr.on_write = update_board
board_hr.values[1003] = 32
board_hr.values[1005] = 17
board_hr.values[2000:2018] = [16, 2, 6, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
update_meter()
update_board()
context = Context(slaves={1: Slave(1, ir=meter_ir), 2: Slave(2, hr=board_hr)}, single=False)


def handle(cmd):
    if "meter" in cmd:
        METER.update(cmd["meter"])
        update_meter()
    if "advance_ms" in cmd:
        METER["energy_kwh"] += METER["power_w"] * cmd["advance_ms"] / 3_600_000_000
        update_meter()
    if "board" in cmd:
        BOARD.update(cmd["board"])
        update_board()
    if "old_firmware" in cmd:
        board_hr.limit = 1007 if cmd["old_firmware"] else None
    if "mode" in cmd:
        MODES[cmd["mode"]["unit"]] = cmd["mode"]["mode"]
        update_meter()
    if "set" in cmd:
        g = cmd["set"]
        block = board_hr if g["unit"] == 2 else meter_ir
        block.values[g["address"]:g["address"] + len(g["values"])] = g["values"]
        update_board()
    if "get" in cmd:
        g = cmd["get"]
        block = board_hr if g["unit"] == 2 else meter_ir
        return {"ok": True, "values": block.values[g["address"]:g["address"] + g["count"]]}
    return {"ok": True}


async def commands():
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        try:
            answer = handle(json.loads(line))
        except Exception as exc:  # noqa: BLE001 (report any bad command to the test)
            answer = {"ok": False, "error": str(exc)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


async def main():
    mode = sys.argv[1]
    if mode.startswith("serial:"):
        server = await StartAsyncSerialServer(
            context, framer=ModbusRtuFramer, port=mode[7:], baudrate=9600,
            ignore_missing_slaves=True, defer_start=True)
        await server.start()
        task = asyncio.create_task(server.serve_forever())
        port = 0
    else:
        framer = ModbusRtuFramer if mode == "rtu-tcp" else ModbusSocketFramer
        server = await StartAsyncTcpServer(
            context, framer=framer, address=("127.0.0.1", 0), ignore_missing_slaves=True,
            defer_start=True)
        task = asyncio.create_task(server.serve_forever())
        while server.server is None:
            await asyncio.sleep(0.01)
        port = server.server.sockets[0].getsockname()[1]
    print(f"ready {port}", flush=True)
    await commands()
    task.cancel()


asyncio.run(main())
