// Which Python and Ruby interpreters this machine has, and whether they can load the frameworks a test needs.
// Tests of the Python and Ruby loaders skip, saying why, when these are missing (CI installs them: .ci/run).
import { execFileSync } from 'node:child_process'

function works (file: string, args: readonly string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore', timeout: 10_000 })
    return true
  } catch {
    return false
  }
}

/** The first of python3 (on PATH) and /usr/bin/python3 that imports every module, or undefined. */
export function pythonWith (...modules: string[]): string | undefined {
  const code = modules.map(m => `import ${m}`).join('; ') || 'pass'
  return ['python3', '/usr/bin/python3'].find(p => works(p, ['-c', code]))
}

/** The first of ruby (on PATH) and /usr/bin/ruby that requires every library, or undefined. */
export function rubyWith (...libraries: string[]): string | undefined {
  const args = libraries.flatMap(l => ['-r', l])
  return ['ruby', '/usr/bin/ruby'].find(r => works(r, [...args, '-e', 'exit 0']))
}

/** A skip reason for node:test, or false when the interpreter is there. */
export function missing (interpreter: string | undefined, what: string): string | false {
  return interpreter === undefined ? `${what} is not installed (CI installs it: see .ci/run)` : false
}
