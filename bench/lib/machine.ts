import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineInfo {
  platform: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  /** 1-minute load average when the bench started (a busy machine shows here). */
  loadAverageAtStart: number;
  postgres?: string;
  natsServer?: string;
}

function versionOf(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const nats = versionOf('nats-server', ['--version']) ?? versionOf('/usr/sbin/nats-server', ['--version']);
  const pg = versionOf('psql', ['--version']);
  return {
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: Number(os.loadavg()[0]!.toFixed(2)),
    ...(pg ? { postgres: pg.replace(/^psql \(PostgreSQL\) /, '') } : {}),
    ...(nats ? { natsServer: nats.replace(/^nats-server: /, '') } : {}),
  };
}
