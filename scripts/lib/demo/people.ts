import type { Role } from './generated/operations.ts';

export interface DemoPerson {
  login: string;
  name: string;
  role: Role;
}

const MANAGERS: readonly [string, string][] = [
  ['flint', 'Captain Flint'],
  ['cockatoo', 'Madame Cockatoo'],
  ['macaw', 'Major Macaw'],
  ['kea', 'Director Kea'],
];

const ACCOUNTANTS: readonly [string, string][] = [
  ['abacus', 'Abacus Amazona'],
  ['ledger', 'Lorikeet Ledger'],
  ['penny', 'Penny Parakeet'],
];

/** Friendly parrot names; the login is the name in lower case. */
const POPUGS: readonly string[] = [
  'Kesha',
  'Kiwi',
  'Mango',
  'Rio',
  'Blu',
  'Jewel',
  'Polly',
  'Coco',
  'Sunny',
  'Pistachio',
  'Peaches',
  'Paulie',
  'Tiko',
  'Lulu',
  'Nico',
  'Pedro',
  'Rafael',
  'Bingo',
  'Pickle',
  'Chiquita',
  'Zuzu',
  'Papaya',
  'Basil',
  'Biscuit',
  'Cracker',
  'Feathers',
  'Gizmo',
  'Jasper',
  'Olive',
  'Tango',
  'Waffles',
  'Zephyr',
  'Sprout',
  'Marley',
  'Cashew',
  'Echo',
  'Fig',
  'Hazel',
  'Indigo',
  'Juniper',
  'Kazoo',
  'Limonchik',
  'Maple',
  'Nutmeg',
  'Oreo',
  'Pepper',
  'Quincy',
  'Rosella',
  'Saffron',
  'Toffee',
];

const SURNAMES: readonly string[] = [
  'Featherly',
  'Seedman',
  'Perchwood',
  'Squawkins',
  'Wingfield',
  'Beakley',
  'Nestor',
  'Plumage',
];

function numbered(base: string, round: number): string {
  return round === 0 ? base : `${base}${round + 1}`;
}

/** `count` distinct people from `names`; past the end of the list the names get a number. */
function take(names: readonly [string, string][], count: number, role: Role): DemoPerson[] {
  return Array.from({ length: count }, (_, i) => {
    const round = Math.floor(i / names.length);
    const [login, name] = names[i % names.length] as [string, string];
    return { login: numbered(login, round), name: round === 0 ? name : `${name} ${round + 1}`, role };
  });
}

/** The demo company's staff: always the same people for the same sizes, so a re-run finds them. */
export function demoStaff(sizes: { managers: number; accountants: number; popugs: number }): DemoPerson[] {
  const popugs = Array.from({ length: sizes.popugs }, (_, i) => {
    const round = Math.floor(i / POPUGS.length);
    const first = POPUGS[i % POPUGS.length] as string;
    const surname = SURNAMES[i % SURNAMES.length] as string;
    return {
      login: numbered(first.toLowerCase(), round),
      name: `${first} ${surname}${round === 0 ? '' : ` ${round + 1}`}`,
      role: 'WORKER' as const,
    };
  });
  return [
    ...take(MANAGERS, sizes.managers, 'MANAGER'),
    ...take(ACCOUNTANTS, sizes.accountants, 'ACCOUNTANT'),
    ...popugs,
  ];
}
