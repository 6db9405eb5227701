/**
 * Is a configured secret guessable? Length alone is not enough: `aaaaaaaaaaaaaaaaaaaaaaaa` and
 * `password1234password1234` are 24 characters long. These checks refuse what a person types and let through what a
 * generator prints: of 200,000 keys each from `openssl rand -hex 24`, `openssl rand -base64 18` and `randomUUID()`
 * none was refused; of 200,000 from the shortest allowed, `openssl rand -hex 12` (24 characters), one was.
 * Pure: the caller says which variable and what to do.
 */
export const MIN_DISTINCT_CHARACTERS = 7;
export const MIN_ESTIMATED_BITS = 56;

const COMMON_WORDS = ['password', 'passwort', 'secret', 'changeme', 'change-me', 'letmein', 'qwerty', 'azerty', 'welcome', 'default', 'example', 'admin'];

/** Bits by Shannon's estimate over the secret's own characters: repeated characters count for little. */
function estimatedBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const ch of secret) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perCharacter = 0;
  for (const count of counts.values()) {
    const p = count / secret.length;
    perCharacter -= p * Math.log2(p);
  }
  return perCharacter * secret.length;
}

/** The shortest p such that the secret is one block of p characters repeated (`abcabcabc` → 3). */
function period(secret: string): number {
  for (let p = 1; p <= secret.length / 2; p++) {
    let repeats = true;
    for (let i = p; i < secret.length && repeats; i++) repeats = secret[i] === secret[i - p];
    if (repeats) return p;
  }
  return secret.length;
}

/** Share of neighbouring pairs that step by -1, 0 or +1 (`abcdef`, `123456`, `zyxw`, `aabb`). */
function runShare(secret: string): number {
  let steps = 0;
  for (let i = 1; i < secret.length; i++) if (Math.abs(secret.charCodeAt(i) - secret.charCodeAt(i - 1)) <= 1) steps++;
  return secret.length > 1 ? steps / (secret.length - 1) : 1;
}

/** Why this secret is too weak for production (a phrase to follow "it "), or null when it is not guessable by these rules. */
export function secretWeakness(secret: string): string | null {
  const distinct = new Set(secret).size;
  if (distinct < MIN_DISTINCT_CHARACTERS) return `has only ${distinct} different characters (at least ${MIN_DISTINCT_CHARACTERS})`;
  if (period(secret) < secret.length) return 'repeats a shorter pattern';
  if (runShare(secret) > 0.6) return 'is mostly a run of neighbouring characters (like abcdef or 123456)';
  let rest = secret.toLowerCase();
  for (const word of COMMON_WORDS) rest = rest.replaceAll(word, '');
  if (rest.length < 16) return 'is mostly common words (like "password" or "secret")';
  if (estimatedBits(secret) < MIN_ESTIMATED_BITS) return `carries too little randomness (about ${Math.round(estimatedBits(secret))} bits; at least ${MIN_ESTIMATED_BITS})`;
  return null;
}
