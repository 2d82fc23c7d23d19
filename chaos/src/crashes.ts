import type { UnexpectedExit } from './processes.ts';

/**
 * Crashes whose cause is known and tracked elsewhere. The chaos run restarts a crashed process
 * the way the deployments do (`restart: unless-stopped` in docker-compose), so a crash costs
 * availability, not data: the checks still hold every promise about money and events. A crash
 * with one of these signatures is reported (with its issue) but does not fail the run; any other
 * crash does. Remove an entry once its fix is in.
 */
export const KNOWN_CRASHES: Array<{ signature: RegExp; issue: string }> = [
  // (empty) postgres.js 3.4.9's nextWrite on a closed socket (porsager/postgres#1154, #1208)
  // was listed here until patches/postgres@3.4.9.patch fixed it.
];

export interface ClassifiedExit extends UnexpectedExit {
  /** The first line of the error it died of. */
  error: string;
  known?: string;
}

export function classify(exit: UnexpectedExit): ClassifiedExit {
  const known = KNOWN_CRASHES.find((k) => k.signature.test(exit.output));
  const error =
    /^(\w*Error[^\n]*)$/m.exec(exit.output)?.[1] ??
    exit.output.trim().split('\n').at(-1)?.slice(0, 200) ??
    '';
  return { ...exit, error, ...(known ? { known: known.issue } : {}) };
}

export const describeExit = (e: ClassifiedExit) =>
  `${e.process} exited by itself (code ${e.code}, signal ${e.signal}) at ${e.at}: ${e.error}${e.known ? ` [known: ${e.known}]` : ''}`;
