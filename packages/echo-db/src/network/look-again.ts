import debug from 'debug'

const log = debug('echo:echo-db:look-again')

/** The part of a Hyperswarm discovery session this uses. */
export interface Rediscoverable {
  refresh (): Promise<void>
}

export interface LookAgainOptions {
  /** First wait before looking again (ms). Default 1 s. */
  firstMs?: number
  /** The wait doubles up to this (ms). Default 30 s. */
  maxMs?: number
}

/**
 * Hyperswarm looks a topic up again only every 10 minutes, so two peers that join a topic at the same moment (each
 * looking before the other has announced) can miss each other that long. While `alone()` holds, this announces and
 * looks the topic up again, waiting 1 s, then 2 s, 4 s, ... up to 30 s; once a peer is there the wait starts from
 * 1 s again, so a peer that leaves is looked for quickly.
 */
export class LookAgain {
  private readonly _firstMs: number
  private readonly _maxMs: number
  private _delay: number
  private _timer: NodeJS.Timeout | undefined
  private _stopped = false
  private _refreshes = 0

  constructor (private readonly _session: Rediscoverable, private readonly _alone: () => boolean, options: LookAgainOptions = {}) {
    this._firstMs = options.firstMs ?? 1000
    this._maxMs = options.maxMs ?? 30_000
    this._delay = this._firstMs
    this._schedule()
  }

  /** How many times the topic was looked up again. */
  get refreshes (): number {
    return this._refreshes
  }

  stop (): void {
    this._stopped = true
    clearTimeout(this._timer)
  }

  private _schedule (): void {
    if (this._stopped) return
    this._timer = setTimeout(() => { void this._tick() }, this._delay)
    this._timer.unref()
  }

  private async _tick (): Promise<void> {
    if (this._stopped) return
    if (this._alone()) {
      this._refreshes++
      try {
        await this._session.refresh()
      } catch (err) {
        log('looking again failed: %s', (err as Error).message)
      }
      this._delay = Math.min(this._delay * 2, this._maxMs)
    } else {
      this._delay = this._firstMs
    }
    this._schedule()
  }
}
