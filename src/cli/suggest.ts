// "Did you mean …?" for a mistyped command or flag: the nearest known word by edit distance, if it is near enough
// to be what the user meant (a wild guess is worse than none).
import levenshtein from 'fast-levenshtein'

const letters = (s: string): string => [...s].sort().join('')

export function closest (typed: string, known: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  let bestScore = Infinity
  for (const k of known) {
    const d = levenshtein.get(typed, k)
    // Swapped letters ("stauts") cost two edits, as much as a different word ("start"): the same letters win a tie.
    const score = d - (letters(k) === letters(typed) ? 0.5 : 0)
    if (score < bestScore) { best = k; bestDistance = d; bestScore = score }
  }
  // Up to a third of the word may be wrong (two edits at least: "stauts" -> "status" is two).
  return bestDistance <= Math.max(2, Math.floor(typed.length / 3)) ? best : undefined
}
