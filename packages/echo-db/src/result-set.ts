/**
 * A live query result: `value` is always current; subscribers hear about changes once per processed batch,
 * not once per message. Results are computed lazily: a result set nobody reads or subscribes to costs nothing
 * while messages stream in.
 */
export type ResultSetListener<T> = (value: readonly T[]) => void

export class ResultSet<T> {
  private _value: readonly T[] | undefined
  private readonly _listeners = new Set<ResultSetListener<T>>()

  /**
   * @param compute produces the current results.
   * @param onChange registers a callback for "results may have changed", told which elements were touched
   *   (their content changed); returns an unregister function, called when the last subscriber leaves (so an
   *   unwatched result set holds no registration).
   */
  constructor (
    private readonly _compute: () => readonly T[],
    private readonly _onChange: (callback: (touched: ReadonlySet<T>) => void) => () => void
  ) {}

  private _unregister: (() => void) | undefined

  get value (): readonly T[] {
    if (this._value === undefined || this._unregister === undefined) this._value = this._compute()
    return this._value
  }

  get first (): T | undefined {
    return this.value[0]
  }

  /** Calls `listener` with the new results whenever they change. Returns the function that unsubscribes. */
  subscribe (listener: ResultSetListener<T>): () => void {
    this._listeners.add(listener)
    if (this._unregister === undefined) {
      this._value = this._compute()
      this._unregister = this._onChange((touched) => this._refresh(touched))
    }
    return () => {
      this._listeners.delete(listener)
      if (this._listeners.size === 0 && this._unregister !== undefined) {
        this._unregister()
        this._unregister = undefined
      }
    }
  }

  private _refresh (touched: ReadonlySet<T>): void {
    const previous = this._value
    const next = this._compute()
    if (previous !== undefined && sameElements(previous, next) && !next.some((element) => touched.has(element))) return
    this._value = next
    for (const listener of [...this._listeners]) listener(next)
  }
}

function sameElements<T> (a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
