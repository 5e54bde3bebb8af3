/**
 * The listeners of an emulator's call reports, told of each call in the order they subscribed.
 * A listener's failure is its own: the call it was told of is answered as usual.
 */

export type CallListener<Call> = (call: Call) => void;

export class CallListeners<Call> {
  private readonly listeners = new Set<CallListener<Call>>();

  /** Adds a listener; the function returned removes it again. */
  add(listener: CallListener<Call>): () => void {
    // A wrapper per subscription: the same function subscribed twice is told twice, and removed once each.
    const entry: CallListener<Call> = (call) => {
      listener(call);
    };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(call: Call): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(call);
      } catch {
        // Swallowed on purpose: see the class comment.
      }
    }
  }
}
