import { storage } from './layout-store.js'

/** localStorage key of the theme the user picked; absent, the page follows the system. */
export const THEME_KEY = 'pulseboard.theme'

export type ThemeName = 'light' | 'dark'

const systemTheme = (): ThemeName => (matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark')

/** The theme shown: the one picked (`data-theme` on the root) or the system's. */
export function currentTheme (): ThemeName {
  const picked = document.documentElement.dataset['theme']
  return picked === 'light' || picked === 'dark' ? picked : systemTheme()
}

/** Applies the theme saved by {@link toggleTheme}, if any; styles.css reads `data-theme`. */
export function applySavedTheme (): void {
  const saved = storage()?.getItem(THEME_KEY)
  if (saved === 'light' || saved === 'dark') document.documentElement.dataset['theme'] = saved
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
