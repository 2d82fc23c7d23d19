import fs from 'node:fs';

/**
 * CPU time (user + system, in ms) a process has used so far, read from /proc/<pid>/stat
 * (Linux). For "gateway CPU per request": sample before and after a load run, divide by requests.
 */
export function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces), starting at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

/** Resident set size of a process in MiB, from /proc/<pid>/status. */
export function processRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Math.round((Number(match[1]) / 1024) * 10) / 10;
}

/**
 * CPU time (ms) used so far by every process whose command name starts with `prefix`
 * (`postgres` counts the server and all its backends): for the share of a shared server in a
 * figure, sampled before and after, on a machine where nothing else uses that server.
 */
export function processesCpuMs(prefix: string): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith(prefix)) continue;
      total += processCpuMs(Number(entry));
    } catch {
      // The process ended between the listing and the read: its CPU is no longer counted anywhere.
    }
  }
  return total;
}

/**
 * CPU ms used so far by PostgreSQL's processes, by database: a backend's title
 * (`postgres: 15/main: <user> <database> <client> <state>`) names the database it serves; the
 * server's own processes (WAL writer, checkpointer, …) are summed under `''`. Compare two
 * readings per database: a backend opened in between counts from zero; one closed in between
 * takes its CPU with it (the benches' pools stay open while they measure).
 */
export function postgresCpuByDatabase(): Map<string, number> {
  const byDatabase = new Map<string, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith('postgres')) continue;
      const title = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const database = /^postgres: [^:]+: \S+ (\S+) \S+\(\d+\)/.exec(title)?.[1] ?? '';
      byDatabase.set(database, (byDatabase.get(database) ?? 0) + processCpuMs(Number(entry)));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return byDatabase;
}

/**
 * CPU ms used so far by the backends serving the database of `url`: Postgres' share of a figure
 * on a server other work shares (its WAL writer and checkpointer are not counted).
 */
export function databaseCpuMs(url: string): number {
  return postgresCpuByDatabase().get(decodeURIComponent(new URL(url).pathname.slice(1))) ?? 0;
}

/** USER_HZ; 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/** CPU used by the current process, in ms (user + system). */
export function selfCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
