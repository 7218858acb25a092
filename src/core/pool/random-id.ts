// Random alphanumeric ids for names monitoring reads (group UUIDs, gupids): Passenger's alphabet and lengths.
import { randomBytes } from 'node:crypto'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export function randomId (length: number): string {
  // 62 letters: rejection of bytes >= 248 keeps every letter equally likely.
  let out = ''
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62]
    }
  }
  return out
}
