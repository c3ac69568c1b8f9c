/**
 * A growable list of int32s for what the device lock's holder collects
 * while it holds the lock and settles when it lets go (pinned events,
 * waiters to wake): no allocation once it has grown to the working size.
 *
 * @module
 */

/** A list of int32s, emptied with `clear()`, its storage kept. */
export class IntList {
  #items = new Int32Array(16);
  #length = 0;

  /** Items in the list. */
  get length(): number {
    return this.#length;
  }

  /** The item at `i` (0 <= i < length). */
  at(i: number): number {
    return this.#items[i];
  }

  /** Append `value`. */
  push(value: number): void {
    if (this.#length === this.#items.length) {
      const more = new Int32Array(this.#items.length * 2);
      more.set(this.#items);
      this.#items = more;
    }
    this.#items[this.#length++] = value;
  }

  /** Empty the list. */
  clear(): void {
    this.#length = 0;
  }
}
