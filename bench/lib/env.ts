/** A positive integer setting from the environment (BENCH_ROUNDS, BENCH_DURATION, …), or the fallback. */
export function envInt (name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`)
  return n
}
