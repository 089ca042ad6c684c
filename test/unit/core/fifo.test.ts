import { describe, expect, it } from 'vitest';
import { Fifo } from '../../../src/core/fifo.js';

describe('Fifo', () => {
  it('hands items out in order across its compactions, with peek, length and takeAll', () => {
    const fifo = new Fifo<number>();
    expect(fifo.shift()).toBeUndefined();
    expect(fifo.peek()).toBeUndefined();
    let next = 0;
    let expected = 0;
    // Interleaved pushes and shifts, so the taken slots are dropped many times while items remain.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3000; i++) fifo.push(next++);
      for (let i = 0; i < 2500; i++) {
        expect(fifo.peek()).toBe(expected);
        expect(fifo.shift()).toBe(expected++);
      }
      expect(fifo.length).toBe(next - expected);
    }
    const rest = fifo.takeAll();
    expect(rest).toEqual(Array.from({ length: next - expected }, (_, i) => expected + i));
    expect(fifo.length).toBe(0);
    fifo.push(7);
    expect(fifo.shift()).toBe(7);
    expect(fifo.length).toBe(0);
  });
});
