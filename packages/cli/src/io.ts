/** Where a command reads and writes: the real process in `bin.ts`, streams in tests. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean, setRawMode?: (mode: boolean) => unknown }
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  env: Readonly<Record<string, string | undefined>>
  /** Aborted on SIGINT/SIGTERM: long-running commands (watch, invite, join, dht) stop and close cleanly. */
  signal?: AbortSignal
  /** The user's home directory (default `os.homedir()`): the profile is `~/.echodb` unless told otherwise. */
  homedir?: string
}

/** Resolves when `signal` is aborted (never, without a signal). */
export function aborted (signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return
    if (signal.aborted) return resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

/** Resolves after `ms`, or early (with false) when `signal` is aborted. Resolves true when the time ran out. */
export async function sleep (ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return false
  return await new Promise((resolve) => {
    const done = (timedOut: boolean): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      resolve(timedOut)
    }
    const onAbort = (): void => done(false)
    const timer = setTimeout(() => done(true), ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** True when DEBUG names the CLI's debug namespace (`DEBUG=echo:*` or `DEBUG=*`): errors then show a stack. */
export function debugWanted (env: CliIo['env']): boolean {
  const patterns = (env.DEBUG ?? '').split(/[\s,]+/).filter((p) => p !== '')
  let wanted = false
  for (const pattern of patterns) {
    const negated = pattern.startsWith('-')
    const body = negated ? pattern.slice(1) : pattern
    const regex = new RegExp('^' + body.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*?') + '$')
    if (regex.test('echo:cli')) wanted = !negated
  }
  return wanted
}
