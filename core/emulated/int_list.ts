/**
 * A growable list of int32s for what the device lock's holder collects
 * while it holds the lock and settles when it lets go (waiters to wake):
 * no allocation once it has grown to the working size.
 *
 * @module
 */

/** A list of int32s, emptied with `clear()`, its storage kept. */
export class IntList {
  /**
   * The storage; items `0 .. length - 1` are the list. Public so that a
   * loop over it makes no calls (a cleanup path near the stack's limit
   * must not overflow it).
   */
  items: Int32Array = new Int32Array(16);
  /** Items in the list. */
  length = 0;

  /** The item at `i` (0 <= i < length). */
  at(i: number): number {
    return this.items[i];
  }

  /** Append `value`. */
  push(value: number): void {
    if (this.length === this.items.length) {
      const more = new Int32Array(this.items.length * 2);
      more.set(this.items);
      this.items = more;
    }
    this.items[this.length++] = value;
  }

  /** Empty the list. */
  clear(): void {
    this.length = 0;
  }
}
