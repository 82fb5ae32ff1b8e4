// In-process wake-up for event streams and the loop: a commit that appended events calls poke();
// streams then read the outbox from their last id. The outbox, not this hub, carries the events,
// so nothing is lost when a poke is missed (streams also re-read on a timer).
import { EventEmitter } from "node:events";

export class EventHub {
  readonly #emitter = new EventEmitter();
  constructor() {
    this.#emitter.setMaxListeners(0);
  }
  poke(): void {
    this.#emitter.emit("poke");
  }
  subscribe(listener: () => void): () => void {
    this.#emitter.on("poke", listener);
    return () => this.#emitter.off("poke", listener);
  }
}
