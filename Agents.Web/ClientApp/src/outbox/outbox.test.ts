import { confirm, discard, enqueue, isPermanent, load, markFailed, markSending, markSent, requeue, toSend, visible } from './outbox';

describe('outbox', () => {
  it('keeps a message until its event arrives, and resends it with the same clientMessageId after a drop', () => {
    let box = enqueue([], 't', 'hello', 'id-1');
    box = enqueue(box, 't', 'second', 'id-2');
    expect(toSend(box, 't').map((e) => e.clientMessageId)).toEqual(['id-1', 'id-2']);

    box = markSending(box, 'id-1');
    expect(toSend(box, 't').map((e) => e.clientMessageId)).toEqual(['id-2']);
    box = requeue(box, 'id-1'); // the connection dropped before the answer
    expect(toSend(box, 't')[0]).toMatchObject({ clientMessageId: 'id-1', text: 'hello', state: 'queued' });

    box = markSent(markSending(box, 'id-1'), 'id-1', 7);
    expect(visible(box, 't')).toHaveLength(2); // shown until the log has it
    box = confirm(box, ['id-1']);
    expect(visible(box, 't').map((e) => e.clientMessageId)).toEqual(['id-2']);
  });

  it('separates threads', () => {
    const box = enqueue(enqueue([], 'a', 'x', '1'), 'b', 'y', '2');
    expect(toSend(box, 'a').map((e) => e.text)).toEqual(['x']);
    expect(visible(box, 'b').map((e) => e.text)).toEqual(['y']);
  });

  it('holds a message refused for good until the person resends or discards it', () => {
    let box = markFailed(enqueue([], 't', 'x', '1'), '1', 'too long');
    expect(toSend(box, 't')).toHaveLength(0);
    expect(visible(box, 't')[0]).toMatchObject({ state: 'failed', error: 'too long' });
    expect(toSend(requeue(box, '1'), 't')).toHaveLength(1);
    box = discard(box, '1');
    expect(box).toHaveLength(0);
    expect(isPermanent('message_too_large')).toBe(true);
    expect(isPermanent('rate_limited')).toBe(false);
    expect(isPermanent(undefined)).toBe(false);
  });

  it('after a reload, queues again what was in flight', () => {
    const saved = JSON.stringify(markSending(enqueue([], 't', 'x', '1'), '1'));
    expect(load(saved)[0].state).toBe('queued');
    expect(load('not json')).toEqual([]);
    expect(load(null)).toEqual([]);
  });

  it('makes a new clientMessageId for every message', () => {
    const box = enqueue(enqueue([], 't', 'same'), 't', 'same');
    expect(new Set(box.map((e) => e.clientMessageId)).size).toBe(2);
  });
});
