import type { MetricPoint } from '../core/event.js'

/** Default interval between two demo batches, in ms. */
export const DEFAULT_DEMO_MS = 250

export interface DemoFeedOptions {
  /** Where the server listens, e.g. http://127.0.0.1:3000. */
  readonly baseUrl: string
  /** Sent as `Authorization: Bearer` when the server requires it. */
  readonly token?: string | undefined
  readonly onError: (err: unknown) => void
  /** Interval in ms (default 250). */
  readonly intervalMs?: number
}

interface Ticker {
  readonly symbol: string
  price: number
  /** Standard deviation of one step, as a fraction of the price. */
  readonly volatility: number
}

/** A standard normal sample (Box–Muller). */
function gaussian (): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random())
}

/**
 * A simulated feed published over the public POST API, as a real script
 * would: a few tickers as random walks with volume, and web analytics with a
 * daily-looking rhythm. Returns a function that stops it.
 */
export function startDemoFeed (options: DemoFeedOptions): () => void {
  const tickers: Ticker[] = [
    { symbol: 'btc', price: 64_250, volatility: 0.0008 },
    { symbol: 'eth', price: 3_120, volatility: 0.001 },
    { symbol: 'sol', price: 148, volatility: 0.0015 }
  ]
  let signups = 0
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`

  const batch = (): MetricPoint[] => {
    const ts = Date.now()
    const points: MetricPoint[] = []
    for (const ticker of tickers) {
      ticker.price *= 1 + ticker.volatility * gaussian()
      const tags = { kind: 'price', symbol: ticker.symbol.toUpperCase(), unit: 'USD' }
      points.push({ metric: `${ticker.symbol}.usd`, value: Math.round(ticker.price * 100) / 100, ts, tags })
      points.push({ metric: `${ticker.symbol}.volume`, value: Math.round(Math.abs(gaussian()) * 40 + 5), ts, tags: { kind: 'rate' } })
    }
    const rhythm = 1 + 0.4 * Math.sin(ts / 60_000)
    const visitors = Math.max(0, Math.round(120 * rhythm + 15 * gaussian()))
    if (Math.random() < 0.3) signups++
    points.push({ metric: 'web.visitors_per_s', value: visitors, ts })
    points.push({ metric: 'web.signups_total', value: signups, ts, tags: { kind: 'counter' } })
    points.push({ metric: 'web.error_rate_pct', value: Math.round(Math.max(0, 0.8 + 0.5 * gaussian()) * 100) / 100, ts, tags: { unit: '%' } })
    points.push({ metric: 'web.latency_p95_ms', value: Math.round(180 + 40 * rhythm + 25 * gaussian()), ts, tags: { unit: 'ms' } })
    return points
  }

  const send = async (): Promise<void> => {
    const response = await fetch(`${options.baseUrl}/api/events`, { method: 'POST', headers, body: JSON.stringify(batch()) })
    if (response.status !== 202) throw new Error(`demo publish answered ${response.status}: ${await response.text()}`)
  }
  const timer = setInterval(() => { send().catch(options.onError) }, options.intervalMs ?? DEFAULT_DEMO_MS)
  return () => clearInterval(timer)
}
