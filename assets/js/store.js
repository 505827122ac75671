// Small observable values shared across the UI (the signed-in user, the
// notice, the unread count, the event stream's state). A page reads one with
// useStore and re-renders when it changes.
import { useEffect, useState } from "./lib.js";

export class Store {
  constructor(value) {
    this.value = value;
    this.subs = new Set();
  }
  get() {
    return this.value;
  }
  set(value) {
    if (Object.is(value, this.value)) return;
    this.value = value;
    for (const fn of [...this.subs]) fn(value);
  }
  update(fn) {
    this.set(fn(this.value));
  }
  subscribe(fn) {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }
}

/** useStore re-renders the component whenever store changes. */
export function useStore(store) {
  const [, force] = useState(0);
  const rendered = store.get();
  useEffect(() => {
    const off = store.subscribe(() => force((n) => n + 1));
    // A change between the render and this effect (a response that landed
    // in between, such as the notice at start-up) had no subscriber yet.
    if (!Object.is(store.get(), rendered)) force((n) => n + 1);
    return off;
  }, [store]);
  return rendered;
}

/** The signed-in user (API.md's User), or null when signed out. */
export const session = new Store(null);
/** The notice banner: {message, level, updatedAt} or null. */
export const notice = new Store(null);
/** How many notifications are unread. */
export const unread = new Store(0);
