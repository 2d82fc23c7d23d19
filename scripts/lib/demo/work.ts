import type { RandomSource } from '@ates/service-kit';

const pick = <T>(random: RandomSource, items: readonly T[]): T =>
  items[random.intBetween(0, items.length - 1)] as T;

const VERBS = [
  'Polish',
  'Count',
  'Refill',
  'Repair',
  'Inspect',
  'Sort',
  'Reorganize',
  'Audit',
  'Migrate',
  'Document',
  'Clean',
  'Test',
  'Tune',
  'Replace',
  'Label',
  'Deliver',
  'Plan',
  'Review',
];
const THINGS = [
  'the perches',
  'sunflower seed stock',
  'the millet dispenser',
  'cage door latches',
  'the feather duster fleet',
  'mirror bells',
  'the swing in hangar',
  'cuttlebone supplies',
  'nest box sensors',
  'the squawk-to-Jira bridge',
  'seed invoices',
  'the night-light timers',
  'bath water heaters',
  'the banana-chip vault',
  'ladder rungs',
  'the flock roster',
  'the grape delivery route',
  'beak-trim appointments',
  'the coconut cracker',
  'treetop Wi-Fi',
];
const PLACES = [
  'in hangar 1',
  'in hangar 2',
  'in hangar 3',
  'on the north roost',
  'in the aviary',
  'at the seed depot',
  'before the morning chorus',
  'for the night shift',
  'in the palm wing',
  'on floor 5',
  'for Q3',
  'for the flock meeting',
];
const WHY = [
  'The last check found a few loose screws.',
  'Popugs on the night shift keep asking about it.',
  'Accounting wants numbers by Friday.',
  'A visiting macaw complained loudly.',
  'It squeaks. Everybody hears it squeak.',
  'Follow-up from the retro: we promised to fix it this sprint.',
  'Take photos before and after.',
  'Coordinate with the manager on duty.',
  '',
];
const PROJECTS = ['POPUG', 'NEST', 'SEED', 'PERCH'];

export interface NewTask {
  title: string;
  jiraId: string | null;
  description: string;
}

/**
 * Tasks that read like a parrot company's backlog. Jira ids continue each project's numbering
 * from `lastNumbers` (highest number seen per project), so a re-run does not repeat them.
 */
export function taskFactory(random: RandomSource, lastNumbers: Map<string, number> = new Map()) {
  const numbers = new Map(lastNumbers);
  return (): NewTask => {
    const title = `${pick(random, VERBS)} ${pick(random, THINGS)} ${pick(random, PLACES)}`;
    let jiraId: string | null = null;
    if (random.intBetween(1, 100) <= 85) {
      const project = pick(random, PROJECTS);
      const n = (numbers.get(project) ?? 100) + random.intBetween(1, 3);
      numbers.set(project, n);
      jiraId = `${project}-${n}`;
    }
    return { title, jiraId, description: pick(random, WHY) };
  };
}

/** Highest number per project among existing Jira ids ("POPUG-42" → POPUG: 42). */
export function lastJiraNumbers(jiraIds: readonly (string | null)[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of jiraIds) {
    const match = id ? /^([A-Z][A-Z0-9]*)-(\d+)$/.exec(id) : null;
    if (!match) continue;
    const [, project, n] = match as unknown as [string, string, string];
    out.set(project, Math.max(out.get(project) ?? 0, Number(n)));
  }
  return out;
}
