import { describe, expect, it } from 'vitest';
import { type AppEvent, createEventBus } from './event-bus.ts';

const event: AppEvent = { type: 'workers', data: { workers: [] } };

describe('event bus', () => {
  it('delivers to every subscriber until it unsubscribes', () => {
    const bus = createEventBus();
    const a: AppEvent[] = [];
    const b: AppEvent[] = [];
    const offA = bus.subscribe((e) => a.push(e));
    bus.subscribe((e) => b.push(e));
    bus.publish(event);
    offA();
    bus.publish(event);
    expect([a.length, b.length, bus.listenerCount()]).toEqual([1, 2, 1]);
  });

  it('keeps delivering to the others when one listener throws', () => {
    const errors: unknown[] = [];
    const bus = createEventBus((err) => errors.push(err));
    const seen: AppEvent[] = [];
    bus.subscribe(() => {
      throw new Error('broken stream');
    });
    bus.subscribe((e) => seen.push(e));
    bus.publish(event);
    expect(seen).toEqual([event]);
    expect(errors).toHaveLength(1);
  });
});
