// Progress while the first app processes start: a spinner on a terminal, plain lines otherwise (logs, CI, pipes).
export interface Progress {
  step (text: string): void
  done (): void
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export function createProgress (stream: NodeJS.WriteStream): Progress {
  if (stream.isTTY !== true) {
    return { step: text => { stream.write(`${text}\n`) }, done: () => {} }
  }
  let text = ''
  let frame = 0
  const timer = setInterval(() => {
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]!} ${text}`)
  }, 80)
  return {
    step: t => { text = t },
    done: () => { clearInterval(timer); stream.write('\r\x1b[2K') }
  }
}
