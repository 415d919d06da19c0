/**
 * `npm run bench` / `npm run stress`: runs every compiled `*.bench.js` (or `*.stress.js`) suite in this folder,
 * prints a table of figures with their baselines and targets, and merges the figures into bench-results.json
 * at the repository root as `{ name: { value, unit } }`.
 *
 * Extra arguments filter suites by file name: `npm run bench -- feed-store`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'fs'
import { join, resolve } from 'path'
import type { Figure, Suite } from './figure'

const kind = process.argv[2] === 'stress' ? 'stress' : 'bench'
const filters = process.argv.slice(3)
const resultsPath = resolve(__dirname, '..', '..', '..', 'bench-results.json')

function improvement (figure: Figure, baseline: Figure): number {
  return figure.better === 'higher' ? figure.value / baseline.value : baseline.value / figure.value
}

function verdict (figure: Figure, byName: Map<string, Figure>): string {
  const target = figure.target
  if (target === undefined) return ''
  const failures: string[] = []
  if (target.min !== undefined && !(figure.value >= target.min)) failures.push(`< ${target.min}`)
  if (target.max !== undefined && !(figure.value <= target.max)) failures.push(`> ${target.max}`)
  if (target.ratio !== undefined) {
    const base = figure.baseline !== undefined ? byName.get(figure.baseline) : undefined
    if (base === undefined || !(improvement(figure, base) >= target.ratio)) failures.push(`ratio < ${target.ratio}`)
  }
  return failures.length === 0 ? 'met' : `MISSED (${failures.join(', ')})`
}

function describeTarget (figure: Figure): string {
  const t = figure.target
  if (t === undefined) return ''
  const parts: string[] = []
  if (t.min !== undefined) parts.push(`>= ${t.min}`)
  if (t.max !== undefined) parts.push(`<= ${t.max}`)
  if (t.ratio !== undefined) parts.push(`>= ${t.ratio}x base`)
  return parts.join(', ')
}

function format (n: number): string {
  if (!Number.isFinite(n)) return String(n)
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)
}

/** Prints the table; returns the names of the figures that missed their targets. */
function printTable (figures: Figure[]): string[] {
  const byName = new Map(figures.map((f) => [f.name, f]))
  const rows = figures.map((f) => {
    const base = f.baseline !== undefined ? byName.get(f.baseline) : undefined
    return [
      f.name,
      `${format(f.value)} ${f.unit}`,
      base !== undefined ? `${base.name} = ${format(base.value)} ${base.unit}` : '',
      base !== undefined ? `${improvement(f, base).toFixed(2)}x` : '',
      describeTarget(f),
      verdict(f, byName)
    ]
  })
  const header = ['figure', 'value', 'baseline', 'vs base', 'target', '']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) console.log(line(row))
  return rows.filter((row) => row[5].startsWith('MISSED')).map((row) => row[0])
}

async function main (): Promise<void> {
  const suffix = `.${kind}.js`
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith(suffix))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort()
  if (files.length === 0) {
    console.error(`no ${kind} suites matched ${filters.join(' ') || '(all)'}`)
    process.exitCode = 1
    return
  }
  const figures: Figure[] = []
  for (const file of files) {
    const { suite } = require(join(__dirname, file)) as { suite: Suite }
    console.error(`[${kind}] ${suite.name} ...`)
    await suite.run((figure) => {
      // One name, one measurement: a baseline is looked up by name, so a second figure of a name would be
      // compared against whichever came last.
      if (figures.some((f) => f.name === figure.name)) throw new Error(`figure ${figure.name} reported twice (again by ${suite.name})`)
      figures.push(figure)
      console.error(`  ${figure.name}: ${format(figure.value)} ${figure.unit}`)
    })
  }
  console.log()
  const missed = printTable(figures)

  const previous = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) as Record<string, unknown> : {}
  for (const f of figures) previous[f.name] = { value: f.value, unit: f.unit }
  writeFileSync(resultsPath, JSON.stringify(previous, null, 2) + '\n')
  console.log(`\nwrote ${figures.length} figures to ${resultsPath}`)
  if (missed.length > 0) {
    console.log(`${missed.length} target(s) missed: ${missed.join(', ')}`)
    // Stress targets are correctness (nothing lost, nothing hostile accepted): a miss fails the run. Benchmark
    // targets are speeds on a shared machine: a miss is reported, not fatal.
    if (kind === 'stress') process.exitCode = 1
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
