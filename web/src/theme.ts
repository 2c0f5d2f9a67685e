import { storage } from './storage.js'

/** localStorage key of the theme the user picked; absent, the page follows the system. */
export const THEME_KEY = 'pulseboard.theme'

export type ThemeName = 'light' | 'dark'

const SYSTEM_LIGHT = '(prefers-color-scheme: light)'

const systemTheme = (): ThemeName => (matchMedia(SYSTEM_LIGHT).matches ? 'light' : 'dark')

/** Calls `listener` whenever the system's light/dark setting changes. */
export function onSystemThemeChange (listener: () => void): void {
  matchMedia(SYSTEM_LIGHT).addEventListener('change', listener)
}

/** The theme shown (`data-theme` on the root, which styles.css reads). */
export function currentTheme (): ThemeName {
  return document.documentElement.dataset['theme'] === 'light' ? 'light' : 'dark'
}

/** Shows the theme saved by {@link toggleTheme}, or else the system's (call again when the system's changes). */
export function applyTheme (): void {
  const saved = storage()?.getItem(THEME_KEY)
  document.documentElement.dataset['theme'] = saved === 'light' || saved === 'dark' ? saved : systemTheme()
}

/** Switches to the other theme and saves the choice; returns the theme now shown. */
export function toggleTheme (): ThemeName {
  const next: ThemeName = currentTheme() === 'light' ? 'dark' : 'light'
  document.documentElement.dataset['theme'] = next
  try {
    storage()?.setItem(THEME_KEY, next)
  } catch {
    // Not saved: the choice lasts for this page only.
  }
  return next
}
