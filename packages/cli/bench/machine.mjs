// The machine a benchmark ran on, for the header of a results file.
import { cpus, loadavg, release } from 'node:os';

export function machineInfo() {
  return {
    date: new Date().toISOString(),
    kernel: release(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadavg: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}
