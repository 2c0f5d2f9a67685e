/** localStorage, or undefined where the browser refuses it (privacy modes, sandboxed frames). */
export function storage (): Storage | undefined {
  try {
    return window.localStorage
  } catch {
    // Reading the property throws when storage is blocked; the layout then lives in the URL only, the theme in the page.
    return undefined
  }
}
