import { store } from '../db/store.ts';

export const size = () => store.size;
