import { createId } from '@paralleldrive/cuid2';

/** Collision-resistant row ids (cuid2), as in the API examples. */
export const newId = (): string => createId();
