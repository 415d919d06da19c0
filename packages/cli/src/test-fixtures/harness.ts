import { execFileSync, spawn } from 'child_process'
import { existsSync, readdirSync, statSync } from 'fs'
import { mkdtemp, rm } from 'fs/promises'
import { tmpdir } from 'os'
import { join } from 'path'
import { PassThrough, Writable } from 'stream'
import type { CliIo } from '../io'
import { run } from '../run'

/** A stream that keeps what is written and lets a test wait for a pattern. */
export class Capture extends Writable {
  text = ''
  private readonly _waiters = new Set<() => void>()

  override _write (chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString()
    for (const waiter of [...this._waiters]) waiter()
    callback()
  }

  /** Resolves with the first match of `pattern` in everything written so far (or later). */
  async waitFor (pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return await new Promise((resolve, reject) => {
      const check = (): void => {
        const match = this.text.match(pattern)
        if (match === null) return
        cleanup()
        resolve(match)
      }
      const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out waiting for ${String(pattern)}; got:\n${this.text}`)) }, timeoutMs)
      const cleanup = (): void => { clearTimeout(timer); this._waiters.delete(check) }
      this._waiters.add(check)
      check()
    })
  }
}

export interface Result {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  stdin?: string
  signal?: AbortSignal
  stdout?: Capture
  stderr?: Capture
}

/** Runs the CLI in this process. */
export async function cli (argv: string[], options: RunOptions = {}): Promise<Result> {
  const stdout = options.stdout ?? new Capture()
  const stderr = options.stderr ?? new Capture()
  const stdin = new PassThrough()
  if (options.stdin !== undefined) stdin.end(options.stdin)
  const io: CliIo = { stdin, stdout, stderr, env: options.env ?? {}, signal: options.signal, homedir: '/nonexistent-home-for-tests' }
  const code = await run(argv, io)
  return { code, stdout: stdout.text, stderr: stderr.text }
}

/** Temporary profile directories, removed by `cleanup()`. */
export class Homes {
  private readonly _dirs: string[] = []

  async make (): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'echodb-cli-'))
    this._dirs.push(dir)
    return dir
  }

  async cleanup (): Promise<void> {
    await Promise.all(this._dirs.splice(0).map(async (dir) => await rm(dir, { recursive: true, force: true })))
  }
}

const ROOT = join(__dirname, '..', '..', '..', '..')
export const BIN = join(ROOT, 'packages', 'cli', 'dist', 'src', 'bin.js')

function newest (dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

/** Builds the CLI (and what it depends on) when dist/ is missing or older than the sources. */
export function ensureBuilt (): void {
  const sources = Math.max(newest(join(ROOT, 'packages', 'cli', 'src')), newest(join(ROOT, 'packages', 'echo-db', 'src')))
  if (existsSync(BIN) && statSync(BIN).mtimeMs >= sources) return
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(ROOT, 'packages', 'cli', 'tsconfig.json')], { stdio: 'pipe' })
  } catch (err) {
    // Another package's work in progress may not compile: an earlier build of the bin still runs.
    if (!existsSync(BIN)) throw err
  }
}

/** A real `echodb` child process. */
export class Child {
  readonly stdout = new Capture()
  readonly stderr = new Capture()
  readonly exited: Promise<number>
  private readonly _process

  constructor (argv: string[], env: Record<string, string | undefined> = {}, stdin?: string) {
    this._process = spawn(process.execPath, [BIN, ...argv], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    this._process.stdout.pipe(this.stdout)
    this._process.stderr.pipe(this.stderr)
    if (stdin !== undefined) this._process.stdin.end(stdin)
    else this._process.stdin.end()
    this.exited = new Promise((resolve) => this._process.on('close', (code, signal) => resolve(code ?? (signal === null ? -1 : 128))))
  }

  kill (signal: NodeJS.Signals = 'SIGTERM'): void {
    this._process.kill(signal)
  }

  async result (): Promise<Result> {
    const code = await this.exited
    return { code, stdout: this.stdout.text, stderr: this.stderr.text }
  }
}

/** Runs `echodb` as a child process to the end. */
export async function spawnCli (argv: string[], env: Record<string, string | undefined> = {}, stdin?: string): Promise<Result> {
  return await new Child(argv, env, stdin).result()
}
