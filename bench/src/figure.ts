/** One measured number, as printed by `npm run bench` and written to bench-results.json. */
export interface Figure {
  /** Exact figure name from the issues, e.g. `feedstore.write.burst`. */
  name: string
  value: number
  unit: string
  /** Which direction is an improvement: msgs/s is 'higher', ms and MB are 'lower'. */
  better: 'higher' | 'lower'
  /** Name of another figure of the same run this one is compared with. */
  baseline?: string
  target?: Target
}

/**
 * A goal from an issue. `min`/`max` bound the value itself; `ratio` bounds the improvement over the baseline
 * (value / baseline when higher is better, baseline / value when lower is better), so `ratio: 10` means
 * "10x better than the baseline" in either direction.
 */
export interface Target {
  min?: number
  max?: number
  ratio?: number
}

export type Report = (figure: Figure) => void

/** A file `src/<name>.bench.ts` or `src/<name>.stress.ts` exports `suite`. */
export interface Suite {
  name: string
  run (report: Report): Promise<void>
}
