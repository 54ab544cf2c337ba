import { Foundation1732300000000 } from './1732300000000-Foundation';

/** Every migration, oldest first. Add new ones at the end; never edit a shipped one. */
export const migrations = [Foundation1732300000000];
