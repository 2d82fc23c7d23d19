import { describe, expect, it } from 'vitest';
import { axisTicks, labelledBars } from './bar-chart.tsx';

describe('bar chart axis labels', () => {
  it('labels every bar when they all fit', () => {
    expect([...labelledBars(3, 1)].sort()).toEqual([0, 1, 2]);
  });

  it('counts back from the last bar, so the latest day always has its label', () => {
    expect([...labelledBars(14, 2)].sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9, 11, 13]);
    expect(labelledBars(15, 4).has(14)).toBe(true);
  });

  it('has a zero line among the ticks of values on both sides of it', () => {
    expect(axisTicks([-1500, 4000])).toContain(0);
  });
});
