import type { CliIo } from './io'
import { CliError, EXIT_INTERRUPTED } from './errors'

const MAX_LINE = 4096

/**
 * Reads a secret: on a TTY it prompts on stderr and reads without echo; otherwise it reads the first line of
 * stdin (so `echo 123456 | echodb join CODE` works). Resolves undefined when stdin ends with nothing.
 */
export async function readSecret (io: CliIo, prompt: string): Promise<string | undefined> {
  const stdin = io.stdin
  if (stdin.isTTY === true && typeof stdin.setRawMode === 'function') return await readHidden(io, prompt)
  return await readLine(stdin)
}

async function readLine (stdin: NodeJS.ReadableStream): Promise<string | undefined> {
  return await new Promise((resolve, reject) => {
    let text = ''
    const finish = (value: string | undefined): void => {
      stdin.off('data', onData)
      stdin.off('end', onEnd)
      stdin.off('error', onError)
      stdin.pause()
      resolve(value)
    }
    const onData = (chunk: Buffer | string): void => {
      text += chunk.toString()
      const newline = text.search(/\r?\n/)
      if (newline >= 0) finish(text.slice(0, newline))
      else if (text.length > MAX_LINE) finish(text.slice(0, MAX_LINE))
    }
    const onEnd = (): void => finish(text === '' ? undefined : text)
    const onError = (err: Error): void => { stdin.off('data', onData); stdin.off('end', onEnd); reject(err) }
    stdin.on('data', onData)
    stdin.on('end', onEnd)
    stdin.on('error', onError)
    stdin.resume()
  })
}

async function readHidden (io: CliIo, prompt: string): Promise<string | undefined> {
  const stdin = io.stdin
  io.stderr.write(prompt)
  stdin.setRawMode?.(true)
  try {
    return await new Promise((resolve, reject) => {
      let text = ''
      const finish = (error: Error | undefined, value?: string): void => {
        stdin.off('data', onData)
        stdin.pause()
        io.stderr.write('\n')
        if (error !== undefined) reject(error)
        else resolve(value)
      }
      const onData = (chunk: Buffer | string): void => {
        for (const char of chunk.toString()) {
          if (char === '\r' || char === '\n') return finish(undefined, text)
          if (char === '\u0003') return finish(new CliError('INTERRUPTED', 'interrupted', EXIT_INTERRUPTED)) // Ctrl-C
          if (char === '\u0004') return finish(undefined, text === '' ? undefined : text) // Ctrl-D
          if (char === '\u007f' || char === '\b') text = text.slice(0, -1)
          else if (char >= ' ' && text.length < MAX_LINE) text += char
        }
      }
      stdin.on('data', onData)
      stdin.resume()
    })
  } finally {
    stdin.setRawMode?.(false)
  }
}
