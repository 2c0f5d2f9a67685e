/** Shortest token accepted, in characters: anything shorter can be guessed. */
export const MIN_TOKEN_LENGTH = 16

/** The tokens in a comma-separated token setting, trimmed, blanks dropped. */
export function splitTokens (list: string | undefined): string[] {
  return (list ?? '').split(',').map((token) => token.trim()).filter((token) => token.length > 0)
}

/** The tokens in PUBLISH_TOKEN: one, or several separated by commas. */
export function publishTokens (config: { readonly publishToken?: string | undefined }): string[] {
  return splitTokens(config.publishToken)
}

/** The tokens in READ_TOKEN: one, or several separated by commas; none means reading is open. */
export function readTokens (config: { readonly readToken?: string | undefined }): string[] {
  return splitTokens(config.readToken)
}
