/**
 * The last `capacity` ids seen, oldest forgotten first: bounded memory for dropping repeats
 * that come back within a short while (a relay publishing again after a timeout).
 */
export class RecentIds {
  private readonly seen = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(capacity: number) {
    this.ring = new Array<string | undefined>(Math.max(1, capacity));
  }

  /** Whether `id` was seen among the last `capacity`; remembers it if not. */
  repeat(id: string): boolean {
    if (this.seen.has(id)) return true;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.seen.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.ring.length;
    this.seen.add(id);
    return false;
  }
}
