import { randomInt } from 'node:crypto';

/** Time comes through a clock so that tests can pin it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can move by hand. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(to: Date): void {
    this.current = new Date(to);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Randomness comes through a source so that tests are deterministic. */
export interface RandomSource {
  /** A uniformly distributed integer in [min, max] (both inclusive). */
  intBetween(min: number, max: number): number;
}

export const cryptoRandom: RandomSource = {
  intBetween: (min, max) => randomInt(min, max + 1),
};

/** Deterministic source (mulberry32) for tests and benchmarks. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    intBetween: (min, max) => min + Math.floor(next() * (max - min + 1)),
  };
}

/**
 * Milliseconds since the epoch by `clock`: deadlines, ages and intervals of infrastructure code
 * that has no clock injected read the system clock through here (the lint rule bans Date.now).
 */
export const epochMs = (clock: Clock = systemClock): number => clock.now().getTime();

/** A uniformly distributed fraction in [0, 1), for jitter (the lint rule bans Math.random). */
export const randomFraction = (random: RandomSource = cryptoRandom): number =>
  random.intBetween(0, 2 ** 32 - 1) / 2 ** 32;
