import fs from 'node:fs';

/**
 * Which of our child processes owns the TCP connection whose local (client) port is `port`:
 * Postgres reports a lock holder's `client_port`, and Linux's /proc maps a socket inode to a
 * process. Returns undefined when it cannot tell (another OS, or the connection is gone).
 */
export function processOwningLocalPort(port: number, candidates: number[]): number | undefined {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      if (!local || !inode) continue;
      const localPort = parseInt(local.split(':')[1] ?? '', 16);
      if (localPort === port) inodes.add(inode);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of candidates) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match && inodes.has(match[1]!)) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}
