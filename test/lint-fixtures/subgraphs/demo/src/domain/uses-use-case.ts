import { a } from '../use-cases/cycle-a.ts';

export const c = a;
