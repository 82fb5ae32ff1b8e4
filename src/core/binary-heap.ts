// A binary min-heap: built in linear time, popped lazily. The admission queue pops only as many
// jobs as a cycle can still place or preempt for, so a deep queue is never fully sorted.
export class BinaryHeap<T> {
  private readonly items: T[];
  private readonly less: (a: T, b: T) => boolean;

  constructor(items: T[], less: (a: T, b: T) => boolean) {
    this.items = items;
    this.less = less;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      this.down(0);
    }
    return top;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(items[l]!, items[m]!)) m = l;
      if (r < n && this.less(items[r]!, items[m]!)) m = r;
      if (m === i) return;
      const t = items[i]!;
      items[i] = items[m]!;
      items[m] = t;
      i = m;
    }
  }
}
