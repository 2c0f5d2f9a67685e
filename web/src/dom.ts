/** Attribute values accepted by {@link el}; `false` and `undefined` leave the attribute out. */
export type Attrs = Readonly<Record<string, string | number | boolean | undefined>>

/**
 * Creates an element. Text goes in through `textContent` only, never as markup, so metric
 * names and tags from publishers cannot inject HTML. `class` sets the class name; `style` and
 * `on*` attributes are refused: the page's Content-Security-Policy blocks inline styles and
 * handlers, and code should not try.
 */
export function el<K extends keyof HTMLElementTagNameMap> (
  tag: K,
  attrs: Attrs = {},
  content?: string | readonly Node[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'style' || name.toLowerCase().startsWith('on')) {
      throw new Error(`el(): attribute ${name} is not allowed`)
    }
    if (value === undefined || value === false) continue
    if (name === 'class') element.className = String(value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  if (typeof content === 'string') element.textContent = content
  else if (content !== undefined) element.append(...content)
  return element
}

/** Sets `textContent` only when it differs, so an unchanged value costs no layout. */
export function setText (element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text
}

/** Returns the element with `id`, checking its type; throws when the page shell lacks it. */
export function byId<T extends HTMLElement> (id: string, type: new () => T): T {
  const element = document.getElementById(id)
  if (!(element instanceof type)) throw new Error(`index.html has no <${type.name}> #${id}`)
  return element
}
