import type { Config } from './config.js'

function splitTokens (list: string | undefined): string[] {
  return (list ?? '').split(',').map((token) => token.trim()).filter((token) => token.length > 0)
}

/** The tokens in PUBLISH_TOKEN: one, or several separated by commas. */
export function publishTokens (config: Pick<Config, 'publishToken'>): string[] {
  return splitTokens(config.publishToken)
}

/** The tokens in READ_TOKEN: one, or several separated by commas; none means reading is open. */
export function readTokens (config: Pick<Config, 'readToken'>): string[] {
  return splitTokens(config.readToken)
}
