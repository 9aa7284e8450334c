/**
 * What a password must be: at least 10 characters, not the email, and not easy to guess. "Easy to
 * guess" is zxcvbn's judgement (the maintained TypeScript port, with its list of common passwords,
 * names and keyboard patterns), given the user's own email and names as words an attacker knows.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { ValidationError } from '../shared/errors.js';

export const PASSWORD_MIN_LENGTH = 10;
/** zxcvbn's scale: 3 is "safely unguessable: moderate protection from an offline slow-hash scenario". */
const MIN_SCORE = 3;

const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });

export interface PasswordContext {
  email?: string;
  /** First and last name, company name: words an attacker would try first. */
  words?: string[];
}

/** Throws a 400 naming `field` when the password does not pass; says why in words. */
export function checkPasswordPolicy(password: string, context: PasswordContext = {}, field = 'password'): void {
  if ([...password].length < PASSWORD_MIN_LENGTH) throw ValidationError.field(field, `must be at least ${PASSWORD_MIN_LENGTH} characters`);
  const email = context.email?.trim().toLowerCase();
  if (email && (password.trim().toLowerCase() === email || password.trim().toLowerCase() === email.split('@')[0])) {
    throw ValidationError.field(field, 'must not be your email address');
  }
  const userInputs = [email, email?.split('@')[0], ...(context.words ?? [])].filter((w): w is string => !!w && w.trim().length > 0);
  const result = zxcvbn.check(password, userInputs);
  if (result.score < MIN_SCORE) {
    const why = result.feedback.warning ? ` (${warningText(result.feedback.warning)})` : '';
    throw ValidationError.field(field, `is too easy to guess${why}; use a longer phrase of uncommon words`);
  }
}

/** zxcvbn's warning keys in words (its translations are a separate package; these are the ones that matter). */
function warningText(key: string): string {
  const words: Record<string, string> = {
    topTen: 'one of the ten most common passwords',
    topHundred: 'one of the hundred most common passwords',
    common: 'a very common password',
    similarToCommon: 'close to a very common password',
    wordByItself: 'a single word',
    namesByThemselves: 'a name',
    commonNames: 'a common name',
    userInputs: 'made of your own name or email',
    straightRow: 'a row of keys',
    keyPattern: 'a keyboard pattern',
    simpleRepeat: 'a repeated character',
    extendedRepeat: 'a repeated pattern',
    sequences: 'a sequence like abc or 123',
    recentYears: 'a recent year',
    dates: 'a date',
  };
  return words[key] ?? key;
}
