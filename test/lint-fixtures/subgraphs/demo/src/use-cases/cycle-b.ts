import { a } from './cycle-a.ts';

export const b = () => (a.length > 0 ? 0 : 1);
